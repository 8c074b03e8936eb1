//! Content diffs for `copy`/`template`: the old content comes back as the script's payload, the
//! new content is remembered on the controller at plan time, keyed by its checksum (finish only
//! sees the arguments and the script output, and the rendered text of a template is in neither).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

/// Ansible's `MAX_FILE_SIZE_FOR_DIFF`.
pub const MAX_DIFF_SIZE: usize = 104_448;

type Remembered = (String, Arc<Vec<u8>>);

static AFTER: Mutex<Option<HashMap<String, Remembered>>> = Mutex::new(None);

/// Keeps new content (at most `MAX_DIFF_SIZE` bytes) for the diff built after the task ran.
pub fn remember_after(checksum: &str, header: &str, content: Vec<u8>) {
    if content.len() > MAX_DIFF_SIZE {
        return;
    }
    let mut map = AFTER.lock().unwrap_or_else(|e| e.into_inner());
    map.get_or_insert_with(HashMap::new).insert(
        checksum.to_string(),
        (header.to_string(), Arc::new(content)),
    );
}

fn recall_after(checksum: &str) -> Option<Remembered> {
    let map = AFTER.lock().unwrap_or_else(|e| e.into_inner());
    map.as_ref()?.get(checksum).cloned()
}

/// What the target said about the old content.
pub enum Before<'a> {
    Shown(&'a [u8]),
    Absent,
    TooLarge,
}

/// `{before, after, before_header, after_header}` for a content change, or a marker as Ansible
/// uses for binary or large files. `None` when the new content was not remembered (no --diff).
pub fn content_diff(checksum: &str, dest: &str, before: Before) -> Option<Value> {
    let (after_header, after) = recall_after(checksum)?;
    let before = match before {
        Before::TooLarge => return Some(json!({"dst_larger": MAX_DIFF_SIZE})),
        Before::Absent => &b""[..],
        Before::Shown(b) => b,
    };
    if before.contains(&0) {
        return Some(json!({"dst_binary": 1}));
    }
    if after.contains(&0) {
        return Some(json!({"src_binary": 1}));
    }
    Some(json!({
        "before": String::from_utf8_lossy(before),
        "after": String::from_utf8_lossy(&after),
        "before_header": dest,
        "after_header": after_header,
    }))
}

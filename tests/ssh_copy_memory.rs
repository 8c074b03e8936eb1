//! A 200 MB `copy` through the real binary streams: the controller's peak memory stays far below
//! the file's size.

mod common;

use std::io::Write;
use std::time::Instant;

use common::Fleet;

const SIZE: usize = 200 * 1024 * 1024;

/// Peak resident memory of the largest child this process has waited for, in bytes.
fn children_peak_rss() -> u64 {
    // SAFETY: getrusage writes into the zeroed struct we own.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    usage.ru_maxrss as u64 * 1024
}

#[test]
fn copying_200_mb_keeps_controller_memory_flat() {
    let fleet = Fleet::start(1);
    let src = fleet.dir.path().join("big.bin");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&src).unwrap());
    // Not zeros: compressible or sparse data would flatter the transfer.
    let chunk: Vec<u8> = (0..1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    for _ in 0..SIZE / chunk.len() {
        f.write_all(&chunk).unwrap();
    }
    drop(f);
    let dest = fleet.dir.path().join("copied.bin");
    let playbook = fleet.dir.path().join("site.yml");
    std::fs::write(
        &playbook,
        format!(
            "- hosts: all\n  gather_facts: false\n  tasks:\n    - copy:\n        src: {}\n        dest: {}\n",
            src.display(),
            dest.display()
        ),
    )
    .unwrap();
    let started = Instant::now();
    let out = fleet
        .rconf()
        .arg("run")
        .arg(&playbook)
        .arg("-i")
        .arg(fleet.write_inventory())
        .output()
        .unwrap();
    let took = started.elapsed();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::metadata(&dest).unwrap().len(), SIZE as u64);
    let peak = children_peak_rss();
    eprintln!(
        "copied {SIZE} bytes in {took:?}; peak child RSS {} MiB",
        peak >> 20
    );
    assert!(
        peak < (SIZE as u64) / 4,
        "peak RSS {} MiB for a {} MiB file",
        peak >> 20,
        SIZE >> 20
    );
}

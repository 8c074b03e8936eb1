//! A property test with a fixed seed over the parsers of user input: the playbook loader, the
//! INI and YAML inventory parsers, host patterns and the template engine. The example
//! playbooks, inventories and templates are mutated (bytes changed, lines deleted, duplicated,
//! swapped or re-indented, YAML / Jinja / INI tokens inserted, text cut short) and each result
//! must be refused or accepted without a panic; an error about a file must say where in it
//! (`file:line`, or `line N` for templates). The seed is fixed, so a failure is reproducible:
//! its case number and input are printed.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use rconf::Error;
use rconf::Inventory;
use rconf::Templar;
use rconf::{LoadOptions, load};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// SplitMix64: small, fast and the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const TOKENS: &[&str] = &[
    // YAML
    ": ",
    "- ",
    "-",
    "[",
    "]",
    "{",
    "}",
    ",",
    "&a ",
    "*a",
    "*nosuch",
    "<<: *a",
    "<<: ",
    "---\n",
    "...\n",
    "|\n",
    ">-\n",
    "\"",
    "'",
    "#",
    "? ",
    "\t",
    "~",
    "null",
    "yes",
    "0o777",
    "0777",
    "1e999",
    "!!binary ",
    "!vault ",
    "%YAML 1.1\n",
    "$ANSIBLE_VAULT;1.1;AES256\n6162\n",
    "\n",
    ":",
    "  ",
    "hosts: ",
    "tasks:\n  - ",
    "block:\n",
    "include_tasks: nosuch.yml",
    "import_tasks: ",
    "roles: [nosuch]",
    "when: ",
    "loop: ",
    "notify: x",
    "vars_files: [",
    // Jinja
    "{{",
    "}}",
    "{%",
    "%}",
    "{{ item }}",
    "{{ x | default(omit) }}",
    "{% if x %}",
    "{% endif %}",
    "{% for i in x %}",
    "{% endfor %}",
    "{% raw %}",
    "{#",
    "#}",
    "| bool",
    "lookup('file', 'nosuch')",
    "{{ 1 / 0 }}",
    "{{ range(3) | list }}",
    // INI
    "[g:children]\n",
    "[g:vars]\n",
    "[all:children]\n",
    "[g]\n",
    ":vars",
    ":children",
    "=",
    "ansible_port=",
    "ansible_port=x",
    "h[1:3]",
    "h[a:c]",
    "h[0:99999999]",
    "h[01:1]",
    "h[3:1]",
    "[::1]:22",
    ";",
    "\\",
    // Text that is not ASCII, or not text
    "é",
    "日本",
    "\u{0}",
    "\r\n",
    "\u{feff}",
];

/// One to three random changes.
fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..=rng.below(3) {
        let lines: Vec<(usize, usize)> = line_spans(&out);
        match rng.below(8) {
            0 if !out.is_empty() => {
                let i = rng.below(out.len());
                out[i] = rng.next() as u8;
            }
            1 if !out.is_empty() => {
                let i = rng.below(out.len());
                out[i] ^= 1 << rng.below(8);
            }
            2 if !lines.is_empty() => {
                let (a, b) = *rng.pick(&lines);
                out.drain(a..b);
            }
            3 if !lines.is_empty() => {
                let (a, b) = *rng.pick(&lines);
                let line = out[a..b].to_vec();
                out.splice(a..a, line);
            }
            4 if !lines.is_empty() => {
                let (a, _) = *rng.pick(&lines);
                let spaces = 1 + rng.below(4);
                if rng.below(2) == 0 {
                    out.splice(a..a, std::iter::repeat_n(b' ', spaces));
                } else {
                    let end = (a + spaces).min(out.len());
                    let strip = out[a..end].iter().take_while(|&&c| c == b' ').count();
                    out.drain(a..a + strip);
                }
            }
            5 if lines.len() > 1 => {
                let (x, y) = (*rng.pick(&lines), *rng.pick(&lines));
                let (first, second) = if x.0 <= y.0 { (x, y) } else { (y, x) };
                if first.1 <= second.0 {
                    let a = out[first.0..first.1].to_vec();
                    let b = out[second.0..second.1].to_vec();
                    out.splice(second.0..second.1, a);
                    out.splice(first.0..first.1, b);
                }
            }
            6 if !out.is_empty() => {
                let at = rng.below(out.len());
                out.truncate(at);
            }
            _ => {
                let at = rng.below(out.len() + 1);
                let token = rng.pick(TOKENS).as_bytes().to_vec();
                out.splice(at..at, token);
            }
        }
    }
    out
}

/// `(start, end)` of each line, its newline included.
fn line_spans(text: &[u8]) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = 0;
    for (i, &c) in text.iter().enumerate() {
        if c == b'\n' {
            spans.push((start, i + 1));
            start = i + 1;
        }
    }
    if start < text.len() {
        spans.push((start, text.len()));
    }
    spans
}

/// Whether a message says where: `FILE:LINE` (one of the files these cases read, with a line
/// number after it), or `line N`.
fn locates(message: &str) -> bool {
    let re = regex::Regex::new(r"(\.yml|\.yaml|\.ini|\.j2|\bhosts):\d+|\bline \d+").unwrap();
    re.is_match(message)
}

/// Every problem an error reports carries its place.
fn unlocated(e: &Error) -> Vec<String> {
    match e {
        Error::Input(ds) => ds
            .iter()
            .filter(|d| d.location.is_none() && !locates(&d.message))
            .map(|d| d.message.clone())
            .collect(),
        Error::Usage(m) if !locates(m) => vec![m.clone()],
        Error::Usage(_) => Vec::new(),
    }
}

#[derive(Default)]
struct Findings {
    cases: usize,
    errors: usize,
    /// `(what, cases, errors)`, for `--nocapture`.
    kinds: Vec<(String, usize, usize)>,
    problems: Vec<String>,
}

impl Findings {
    /// Runs one case; a panic or an error without a place is a problem.
    fn check(&mut self, what: &str, case: usize, input: &[u8], f: impl FnOnce() -> Option<Error>) {
        self.cases += 1;
        if !self.kinds.iter().any(|k| k.0 == what) {
            self.kinds.push((what.to_string(), 0, 0));
        }
        if let Some(k) = self.kinds.iter_mut().find(|k| k.0 == what) {
            k.1 += 1;
        }
        let shown = || {
            let text = String::from_utf8_lossy(input);
            let cut: String = text.chars().take(600).collect();
            format!("{what} case {case}; input:\n{cut}\n")
        };
        match catch_unwind(AssertUnwindSafe(f)) {
            Err(_) => self.problems.push(format!("panicked: {}", shown())),
            Ok(Some(e)) => {
                self.errors += 1;
                if let Some(k) = self.kinds.iter_mut().find(|k| k.0 == what) {
                    k.2 += 1;
                }
                for m in unlocated(&e) {
                    self.problems
                        .push(format!("error without a place `{m}`: {}", shown()));
                }
            }
            Ok(None) => {}
        }
    }
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let dest = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &dest);
        } else {
            std::fs::copy(entry.path(), dest).unwrap();
        }
    }
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yml") {
            out.push(path);
        }
    }
}

fn playbooks(rng: &mut Rng, findings: &mut Findings, rounds: usize) {
    let tmp = tempfile::tempdir().unwrap();
    let projects = [
        ("playbooks-examples", &["site.yml", "roles.yml"][..]),
        ("tests/fixtures/acceptance", &["site.yml"][..]),
        ("tests/fixtures/with_loops", &["site.yml"][..]),
    ];
    let mut targets = Vec::new();
    for (i, (dir, books)) in projects.iter().enumerate() {
        let copy = tmp.path().join(i.to_string());
        copy_tree(&Path::new(ROOT).join(dir), &copy);
        let mut files = Vec::new();
        yaml_files(&copy, &mut files);
        for f in files {
            let original = std::fs::read(&f).unwrap();
            targets.push((copy.clone(), *books, f, original));
        }
    }
    for case in 0..rounds {
        let (dir, books, file, original) = rng.pick(&targets);
        let mutated = mutate(rng, original);
        std::fs::write(file, &mutated).unwrap();
        for book in *books {
            let path = dir.join(book);
            findings.check("playbook", case, &mutated, || {
                load(&path, &LoadOptions::default()).err()
            });
        }
        std::fs::write(file, original).unwrap();
    }
}

fn inventories(rng: &mut Rng, findings: &mut Findings, rounds: usize) {
    let read = |p: &str| std::fs::read(Path::new(ROOT).join(p)).unwrap();
    let ini = [
        read("playbooks-examples/hosts.ini"),
        read("tests/fixtures/inventories/ini/hosts"),
    ];
    let yaml = [read("tests/fixtures/inventories/yaml/hosts.yml")];
    for case in 0..rounds {
        let source = rng.pick(&ini).clone();
        let mutated = mutate(rng, &source);
        let text = String::from_utf8_lossy(&mutated).into_owned();
        findings.check("INI inventory", case, &mutated, || {
            Inventory::from_ini(&text, "hosts.ini").err()
        });
        let mutated = mutate(rng, &yaml[0]);
        let text = String::from_utf8_lossy(&mutated).into_owned();
        findings.check("YAML inventory", case, &mutated, || {
            Inventory::from_yaml(&text, "hosts.yml").err()
        });
    }
}

fn patterns(rng: &mut Rng, findings: &mut Findings, rounds: usize) {
    let text =
        std::fs::read_to_string(Path::new(ROOT).join("tests/fixtures/inventories/ini/hosts"))
            .unwrap();
    let inv = Inventory::from_ini(&text, "hosts").unwrap();
    let seeds: &[&[u8]] = &[
        b"edge:db:&prod:!db-b*:web[1:2]",
        b"monitoring:!app2*",
        b"all",
        b"web[0]:db[-1]:~app[0-9]+",
        b"web*,&prod,!web3",
        b"fe80::1",
        b"h1:2222",
    ];
    let pattern_tokens: &[&[u8]] = &[
        b":",
        b"&",
        b"!",
        b"~",
        b"[",
        b"]",
        b"*",
        b"?",
        b",",
        b"[0:-1]",
        b"[-1]",
        b"(",
        b"\\",
        b"[1:]",
        b"[:",
        b" ",
        "é".as_bytes(),
        b"all",
    ];
    for case in 0..rounds {
        let mut p = rng.pick(seeds).to_vec();
        for _ in 0..=rng.below(3) {
            let at = rng.below(p.len() + 1);
            match rng.below(3) {
                0 if !p.is_empty() => {
                    p.remove(at.min(p.len() - 1));
                }
                _ => {
                    let token = rng.pick(pattern_tokens).to_vec();
                    p.splice(at..at, token);
                }
            }
        }
        let pattern = String::from_utf8_lossy(&p).into_owned();
        // Patterns come from the command line or a play: their errors need no file place.
        findings.check("host pattern", case, &p, || {
            let _ = inv.select(&pattern);
            None
        });
    }
}

fn templates(rng: &mut Rng, findings: &mut Findings, rounds: usize) {
    let read = |p: &str| std::fs::read(Path::new(ROOT).join(p)).unwrap();
    let sources = [
        read("playbooks-examples/templates/app.conf.j2"),
        read("playbooks-examples/roles/webapp/templates/webapp.conf.j2"),
        read("tests/fixtures/acceptance/templates/app.conf.j2"),
        b"{% for h in hosts %}{{ h | upper }}:{{ port | default(80) }}\n{% endfor %}".to_vec(),
    ];
    let templar = Templar::new();
    let vars = rconf::to_jinja(&serde_json::json!({
        "hosts": ["a", "b"], "port": 8080, "x": true, "item": "i", "inventory_hostname": "h1",
        "app_name": "demo", "app_port": 80, "greeting": "hi", "items": [1, 2],
    }));
    for case in 0..rounds {
        let source = rng.pick(&sources).clone();
        let mutated = mutate(rng, &source);
        let text = String::from_utf8_lossy(&mutated).into_owned();
        findings.check("template file", case, &mutated, || {
            templar
                .render_file("app.conf.j2", &text, &vars, &[])
                .err()
                .map(Error::Usage)
        });
        findings.check("template string", case, &mutated, || {
            let _ = templar.render_str(&text, &vars);
            None
        });
    }
}

#[test]
fn mutated_inputs_never_panic_and_their_errors_say_where() {
    // As deep as the YAML budget allows needs rconf's 8 MiB thread stacks (main.rs).
    let findings = std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(|| {
            // RCONF_FUZZ_SEED and RCONF_FUZZ_SCALE explore further by hand; the suite always
            // runs this seed, at scale 1.
            let seed = std::env::var("RCONF_FUZZ_SEED")
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(0x5eed_0016);
            let scale: usize = std::env::var("RCONF_FUZZ_SCALE")
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(1);
            let mut rng = Rng(seed);
            let mut findings = Findings::default();
            playbooks(&mut rng, &mut findings, 3000 * scale);
            inventories(&mut rng, &mut findings, 3000 * scale);
            patterns(&mut rng, &mut findings, 4000 * scale);
            templates(&mut rng, &mut findings, 2000 * scale);
            findings
        })
        .unwrap()
        .join()
        .unwrap();
    for (what, cases, errors) in &findings.kinds {
        eprintln!("{what}: {cases} cases, {errors} refused");
    }
    // The mutations must mostly produce broken input, or they test nothing.
    assert!(
        findings.errors * 4 > findings.cases,
        "only {} errors in {} cases",
        findings.errors,
        findings.cases
    );
    // One case of each kind of problem.
    let mut kinds: Vec<&str> = Vec::new();
    let mut shown = Vec::new();
    for p in &findings.problems {
        let kind = p.split(" case ").next().unwrap_or(p);
        if !kinds.contains(&kind) {
            kinds.push(kind);
            shown.push(p.as_str());
        }
    }
    assert!(
        findings.problems.is_empty(),
        "{} of {} cases failed; one of each kind:\n{}",
        findings.problems.len(),
        findings.cases,
        shown.join("\n")
    );
}

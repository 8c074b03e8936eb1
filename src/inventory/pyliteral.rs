//! How INI inventory text becomes values: a POSIX shell-style word splitter with `#` comments
//! (as Python's `shlex.split(line, comments=True)`), and Python-literal typing of values
//! (as `ast.literal_eval`, falling back to the string).

use serde_json::{Map, Number, Value};

/// Splits a line into words: quotes group, backslash escapes, `#` ends the line even mid-word.
pub fn shell_words(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            '#' => break,
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => cur.push(c),
                        None => return Err("no closing quotation `'`".into()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(e @ ('"' | '\\')) => cur.push(e),
                            Some(e) => {
                                cur.push('\\');
                                cur.push(e);
                            }
                            None => return Err("no closing quotation `\"`".into()),
                        },
                        Some(c) => cur.push(c),
                        None => return Err("no closing quotation `\"`".into()),
                    }
                }
            }
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some(e) => cur.push(e),
                    None => return Err("no escaped character after `\\`".into()),
                }
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    Ok(words)
}

/// Types a value as Python's `ast.literal_eval` would, or keeps the text as a string.
pub fn typed(text: &str) -> Value {
    let mut p = Parser {
        s: text.as_bytes(),
        i: 0,
    };
    match p.value() {
        Some(v)
            if {
                p.ws();
                p.i == p.s.len()
            } =>
        {
            v
        }
        _ => Value::String(text.to_string()),
    }
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && (self.s[self.i] as char).is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn eat(&mut self, c: u8) -> bool {
        self.ws();
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn value(&mut self) -> Option<Value> {
        self.ws();
        match self.peek()? {
            b'[' => self.seq(b'[', b']').map(Value::Array),
            b'(' => self.seq(b'(', b')').map(Value::Array),
            b'{' => self.dict_or_set(),
            b'\'' | b'"' => self.string().map(Value::String),
            b'-' | b'+' => {
                let neg = self.peek() == Some(b'-');
                self.i += 1;
                self.ws();
                let v = self.number()?;
                if !neg {
                    return Some(v);
                }
                match v {
                    Value::Number(n) if n.is_i64() || n.is_u64() => {
                        let i = n.as_i64()?;
                        Some(Value::Number((-i).into()))
                    }
                    Value::Number(n) => Number::from_f64(-n.as_f64()?).map(Value::Number),
                    _ => None,
                }
            }
            b'0'..=b'9' | b'.' => self.number(),
            _ => self.name(),
        }
    }

    fn name(&mut self) -> Option<Value> {
        let start = self.i;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_')
        {
            self.i += 1;
        }
        match &self.s[start..self.i] {
            b"True" => Some(Value::Bool(true)),
            b"False" => Some(Value::Bool(false)),
            b"None" => Some(Value::Null),
            _ => None,
        }
    }

    fn number(&mut self) -> Option<Value> {
        let start = self.i;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'.')
            || (self.i > start
                && matches!(self.peek(), Some(b'+' | b'-'))
                && matches!(self.s[self.i - 1], b'e' | b'E')
                && !self.s[start..].starts_with(b"0x")
                && !self.s[start..].starts_with(b"0X"))
        {
            self.i += 1;
        }
        let raw = std::str::from_utf8(&self.s[start..self.i]).ok()?;
        if raw.starts_with('_') || raw.ends_with('_') || raw.contains("__") {
            return None;
        }
        let t = raw.replace('_', "");
        let lower = t.to_ascii_lowercase();
        let radix = |p: &str, r: u32| {
            i64::from_str_radix(&lower[2..], r)
                .ok()
                .filter(|_| lower.starts_with(p))
        };
        if lower.len() > 2 {
            for (p, r) in [("0x", 16), ("0o", 8), ("0b", 2)] {
                if let Some(n) = radix(p, r) {
                    return Some(Value::Number(n.into()));
                }
            }
        }
        if t.bytes().all(|c| c.is_ascii_digit()) {
            // Python refuses `01` (ambiguous octal) but accepts `0` and `00`.
            if t.len() > 1 && t.starts_with('0') && t.bytes().any(|c| c != b'0') {
                return None;
            }
            return t.parse::<i64>().ok().map(|n| Value::Number(n.into()));
        }
        if t.bytes()
            .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-'))
        {
            return t
                .parse::<f64>()
                .ok()
                .and_then(Number::from_f64)
                .map(Value::Number);
        }
        None
    }

    fn string(&mut self) -> Option<String> {
        let q = self.peek()?;
        self.i += 1;
        let mut out = Vec::new();
        loop {
            let c = self.peek()?;
            self.i += 1;
            match c {
                c if c == q => break,
                b'\\' => {
                    let e = self.peek()?;
                    self.i += 1;
                    match e {
                        b'n' => out.push(b'\n'),
                        b't' => out.push(b'\t'),
                        b'r' => out.push(b'\r'),
                        b'0' => out.push(0),
                        b'\\' | b'\'' | b'"' => out.push(e),
                        b'\n' => {}
                        _ => out.extend([b'\\', e]),
                    }
                }
                c => out.push(c),
            }
        }
        String::from_utf8(out).ok()
    }

    fn seq(&mut self, open: u8, close: u8) -> Option<Vec<Value>> {
        self.eat(open);
        let mut items = Vec::new();
        loop {
            if self.eat(close) {
                return Some(items);
            }
            items.push(self.value()?);
            if !self.eat(b',') {
                return self.eat(close).then_some(items);
            }
        }
    }

    fn dict_or_set(&mut self) -> Option<Value> {
        self.eat(b'{');
        if self.eat(b'}') {
            return Some(Value::Object(Map::new()));
        }
        let first = self.value()?;
        if !self.eat(b':') {
            // A set literal: an array is the nearest JSON value.
            let mut items = vec![first];
            while self.eat(b',') {
                if self.eat(b'}') {
                    return Some(Value::Array(items));
                }
                items.push(self.value()?);
            }
            return self.eat(b'}').then_some(Value::Array(items));
        }
        let mut map = Map::new();
        let mut key = first;
        loop {
            let v = self.value()?;
            map.insert(key_text(&key)?, v);
            if self.eat(b'}') {
                return Some(Value::Object(map));
            }
            if !self.eat(b',') {
                return None;
            }
            if self.eat(b'}') {
                return Some(Value::Object(map));
            }
            key = self.value()?;
            if !self.eat(b':') {
                return None;
            }
        }
    }
}

fn key_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(if *b { "True" } else { "False" }.to_string()),
        Value::Null => Some("None".to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn words_follow_python_shlex_with_comments() {
        let w = shell_words(r#"h a="x y" b='p q' c=a\ b d="q\"t" e=x#y f=1"#).unwrap();
        assert_eq!(w, ["h", "a=x y", "b=p q", "c=a b", "d=q\"t", "e=x"]);
        assert_eq!(shell_words("h1   # all comment").unwrap(), ["h1"]);
        assert!(
            shell_words("h a='open")
                .unwrap_err()
                .contains("closing quotation")
        );
    }

    #[test]
    fn values_are_typed_like_python_literals() {
        assert_eq!(typed("5"), json!(5));
        assert_eq!(typed("-3"), json!(-3));
        assert_eq!(typed("1.5"), json!(1.5));
        assert_eq!(typed("1e3"), json!(1000.0));
        assert_eq!(typed("0x10"), json!(16));
        assert_eq!(typed("1_000"), json!(1000));
        assert_eq!(typed("True"), json!(true));
        assert_eq!(typed("False"), json!(false));
        assert_eq!(typed("None"), json!(null));
        assert_eq!(typed("[1, 'a', (2,3)]"), json!([1, "a", [2, 3]]));
        assert_eq!(typed("{'k': 2, 'l': [True]}"), json!({"k": 2, "l": [true]}));
        assert_eq!(typed("'q'"), json!("q"));
    }

    #[test]
    fn non_literals_stay_strings() {
        for s in [
            "true", "yes", "05", "x y", "1.2.3.4", "[1,a]", "{k:2}", "abc", "", "1_", "0x",
        ] {
            assert_eq!(typed(s), json!(s), "{s}");
        }
        assert_eq!(typed("00"), json!(0));
    }
}

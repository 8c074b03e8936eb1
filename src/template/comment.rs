//! Ansible's `comment` filter: text turned into a comment block of a style (`plain`, `erlang`,
//! `c`, `cblock`, `xml`), with Ansible's defaults and overrides (`decoration`, `prefix`, ...),
//! as roles use it for `{{ ansible_managed | comment }}`.

use minijinja::value::Kwargs;
use minijinja::{Environment, Error};

use super::env::filter;
use super::filters::invalid;

pub fn register(env: &mut Environment<'static>) {
    filter(env, "comment", comment);
}

/// The pieces of a comment block.
struct Style {
    newline: String,
    beginning: String,
    prefix: String,
    prefix_count: usize,
    decoration: String,
    postfix: String,
    postfix_count: usize,
    end: String,
}

fn comment(text: &str, style: Option<String>, kwargs: Kwargs) -> Result<String, Error> {
    let style = match style {
        Some(s) => s,
        None => kwargs
            .get::<Option<String>>("style")?
            .unwrap_or_else(|| "plain".into()),
    };
    let (beginning, decoration, end) = match style.as_str() {
        "plain" => ("", "# ", ""),
        "erlang" => ("", "% ", ""),
        "c" => ("", "// ", ""),
        "cblock" => ("/*", " * ", " */"),
        "xml" => ("<!--", " - ", "-->"),
        other => {
            return Err(invalid(format!(
                "Invalid style '{other}'. Available styles: plain, erlang, c, cblock, xml"
            )));
        }
    };
    let text_of = |k: &str, default: &str| -> Result<String, Error> {
        Ok(kwargs
            .get::<Option<String>>(k)?
            .unwrap_or_else(|| default.to_string()))
    };
    let count_of =
        |k: &str| -> Result<usize, Error> { Ok(kwargs.get::<Option<usize>>(k)?.unwrap_or(1)) };
    // The prefix and postfix lines default to the decoration without its trailing space.
    let around = text_of("decoration", decoration)?.trim_end().to_string();
    let p = Style {
        newline: text_of("newline", "\n")?,
        beginning: text_of("beginning", beginning)?,
        prefix: text_of("prefix", &around)?,
        prefix_count: count_of("prefix_count")?,
        decoration: text_of("decoration", decoration)?,
        postfix: text_of("postfix", &around)?,
        postfix_count: count_of("postfix_count")?,
        end: text_of("end", end)?,
    };
    kwargs.assert_all_used()?;
    Ok(render(text, &p))
}

fn render(text: &str, p: &Style) -> String {
    let nl = &p.newline;
    let mut out = String::new();
    if !p.beginning.is_empty() {
        out.push_str(&format!("{}{nl}", p.beginning));
    }
    if !p.prefix.is_empty() {
        let line = if &p.prefix != nl {
            format!("{}{nl}", p.prefix)
        } else {
            nl.clone()
        };
        out.push_str(&line.repeat(p.prefix_count));
    }
    let body = format!(
        "{}{}",
        p.decoration,
        text.replace(nl.as_str(), &format!("{nl}{}", p.decoration))
    );
    // A line holding only the decoration loses its trailing spaces.
    out.push_str(&body.replace(
        &format!("{}{nl}", p.decoration),
        &format!("{}{nl}", p.decoration.trim_end()),
    ));
    for _ in 0..p.postfix_count {
        out.push_str(nl);
        out.push_str(&p.postfix);
    }
    if !p.end.is_empty() {
        out.push_str(&format!("{nl}{}", p.end));
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::template::Templar;

    fn render(expr: &str) -> String {
        let t = Templar::new();
        match t.render_str(expr, &minijinja::context! {}).unwrap() {
            serde_json::Value::String(s) => s,
            other => other.to_string(),
        }
    }

    #[test]
    fn styles_render_as_ansibles_comment_filter() {
        // Each expected text is what ansible-core 2.19 renders for the same expression.
        assert_eq!(
            render("{{ 'Ansible managed' | comment }}"),
            "#\n# Ansible managed\n#"
        );
        assert_eq!(render("{{ 'a\nb' | comment('c') }}"), "//\n// a\n// b\n//");
        assert_eq!(
            render("{{ 'x' | comment('cblock') }}"),
            "/*\n *\n * x\n *\n */"
        );
        assert_eq!(
            render("{{ 'x' | comment('xml') }}"),
            "<!--\n -\n - x\n -\n-->"
        );
        assert_eq!(
            render("{{ 'x' | comment(decoration='; ', prefix_count=0) }}"),
            "; x\n;"
        );
        assert_eq!(render("{{ 'a\n\nb' | comment }}"), "#\n# a\n#\n# b\n#");
    }
}

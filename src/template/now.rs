//! `now(utc=False, fmt=None)`: the controller's current time, as Ansible's `now()` gives a
//! Python datetime: `.year` ... `.microsecond`, `.strftime(fmt)`, `.isoformat()`,
//! `.timestamp()`, `.weekday()`, printed as `2026-11-26 10:31:59.123456`; with `fmt`, the
//! formatted text. The calendar and `strftime` are the C library's, in the local time zone
//! unless `utc`. The filters `to_datetime` (Python's `strptime`: the same datetime object,
//! ordered by time) and `strftime` (a format applied to an epoch) share it.

use std::fmt;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use minijinja::value::{DynObject, Kwargs, Object, ObjectRepr, from_args};
use minijinja::{Environment, Error, ErrorKind, State, Value};

pub fn register(env: &mut Environment<'static>) {
    env.add_function("now", now);
    env.add_filter("to_datetime", to_datetime);
    env.add_filter("strftime", strftime);
}

/// `to_datetime(format='%Y-%m-%d %H:%M:%S')`: Python's `datetime.strptime`.
fn to_datetime(text: String, format: Option<String>) -> Result<Value, Error> {
    let format = format.unwrap_or_else(|| "%Y-%m-%d %H:%M:%S".into());
    DateTime::parse(&text, &format)
        .map(Value::from_object)
        .ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidOperation,
                format!("time data '{text}' does not match format '{format}'"),
            )
        })
}

/// `strftime(second=None, utc=False)`: the format applied to the epoch `second` (now when
/// None), in local time unless `utc`, as Ansible's filter.
fn strftime(format: String, second: Option<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    let second = match kwargs.get::<Option<Value>>("second")? {
        Some(s) => Some(s),
        None => second,
    };
    let utc = kwargs.get::<Option<bool>>("utc")?.unwrap_or(false);
    kwargs.assert_all_used()?;
    let epoch = match second.filter(|s| !s.is_none() && !s.is_undefined()) {
        None => SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_err(|e| Error::new(ErrorKind::InvalidOperation, e.to_string()))?
            .as_secs() as f64,
        Some(s) => {
            let n = match s.as_str() {
                Some(t) => t.trim().parse::<f64>().ok(),
                None => f64::try_from(s.clone()).ok(),
            };
            n.ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidOperation,
                    format!("Invalid value for epoch value ({s})"),
                )
            })?
        }
    };
    let dt = DateTime::at(epoch.trunc(), utc).ok_or_else(|| {
        Error::new(
            ErrorKind::InvalidOperation,
            format!("Invalid value for epoch value ({epoch})"),
        )
    })?;
    Ok(Value::from(dt.strftime(&format)))
}

/// The broken-down time, without `tm`'s raw zone pointer (kept as `zone`, so the value can
/// cross threads).
#[derive(Debug)]
struct DateTime {
    /// sec, min, hour, mday, mon, year, wday, yday, isdst, as in `struct tm`.
    fields: [i32; 9],
    gmtoff: libc::c_long,
    zone: std::ffi::CString,
    micros: u32,
    epoch: f64,
}

fn now(utc: Option<bool>, fmt: Option<String>, kwargs: Kwargs) -> Result<Value, Error> {
    let utc = match kwargs.get::<Option<bool>>("utc")? {
        Some(u) => u,
        None => utc.unwrap_or(false),
    };
    let fmt = kwargs.get::<Option<String>>("fmt")?.or(fmt);
    kwargs.assert_all_used()?;
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|e| Error::new(ErrorKind::InvalidOperation, e.to_string()))?;
    let dt = DateTime::at(since.as_secs_f64(), utc).ok_or_else(|| {
        Error::new(
            ErrorKind::InvalidOperation,
            "now(): the clock is out of the calendar's range",
        )
    })?;
    Ok(match fmt {
        Some(f) => Value::from(dt.strftime(&f)),
        None => Value::from_object(dt),
    })
}

impl DateTime {
    /// The calendar time of `epoch` (seconds since 1970), local unless `utc`.
    fn at(epoch: f64, utc: bool) -> Option<DateTime> {
        let secs = epoch.floor() as libc::time_t;
        // SAFETY: an all-zero `tm` is a valid value for the C library to overwrite.
        let mut tm: libc::tm = unsafe { std::mem::zeroed() };
        // SAFETY: both pointers are valid for the call; the reentrant forms keep no state.
        let ok = unsafe {
            if utc {
                !libc::gmtime_r(&secs, &mut tm).is_null()
            } else {
                !libc::localtime_r(&secs, &mut tm).is_null()
            }
        };
        ok.then(|| {
            let micros = ((epoch - epoch.floor()) * 1e6).round().min(999_999.0) as u32;
            DateTime::from_tm(&tm, micros, epoch)
        })
    }

    fn from_tm(tm: &libc::tm, micros: u32, epoch: f64) -> DateTime {
        let zone = if tm.tm_zone.is_null() {
            std::ffi::CString::default()
        } else {
            // SAFETY: a non-null tm_zone points at a NUL-terminated zone name the C library owns.
            unsafe { std::ffi::CStr::from_ptr(tm.tm_zone) }.to_owned()
        };
        DateTime {
            fields: [
                tm.tm_sec,
                tm.tm_min,
                tm.tm_hour,
                tm.tm_mday,
                tm.tm_mon,
                tm.tm_year,
                tm.tm_wday,
                tm.tm_yday,
                tm.tm_isdst,
            ],
            gmtoff: tm.tm_gmtoff,
            zone,
            micros,
            epoch,
        }
    }

    /// Python's `datetime.strptime(text, fmt)`: a naive datetime (its timestamp is local
    /// time's), or None when `text` does not match `fmt` whole.
    fn parse(text: &str, fmt: &str) -> Option<DateTime> {
        let c_text = std::ffi::CString::new(text).ok()?;
        let c_fmt = std::ffi::CString::new(fmt).ok()?;
        // SAFETY: an all-zero `tm` is valid; strptime fills what `fmt` names.
        let mut tm: libc::tm = unsafe { std::mem::zeroed() };
        tm.tm_mday = 1;
        tm.tm_year = 70;
        // SAFETY: both strings are NUL-terminated and `tm` is writable.
        let end = unsafe { libc::strptime(c_text.as_ptr(), c_fmt.as_ptr(), &mut tm) };
        // SAFETY: a non-null result points into `c_text`, at what was not parsed.
        if end.is_null() || unsafe { *end } != 0 {
            return None;
        }
        tm.tm_isdst = -1;
        let mut local = tm;
        // SAFETY: `local` is a valid tm; mktime normalizes it and returns the local epoch.
        let epoch = unsafe { libc::mktime(&mut local) } as f64;
        // A naive datetime has no zone.
        tm.tm_gmtoff = 0;
        tm.tm_zone = std::ptr::null();
        tm.tm_wday = local.tm_wday;
        tm.tm_yday = local.tm_yday;
        Some(DateTime::from_tm(&tm, 0, epoch))
    }

    fn tm(&self) -> libc::tm {
        let [sec, min, hour, mday, mon, year, wday, yday, isdst] = self.fields;
        // SAFETY: an all-zero `tm` is valid; every field that matters is set below.
        let mut tm: libc::tm = unsafe { std::mem::zeroed() };
        (tm.tm_sec, tm.tm_min, tm.tm_hour, tm.tm_mday, tm.tm_mon) = (sec, min, hour, mday, mon);
        (tm.tm_year, tm.tm_wday, tm.tm_yday, tm.tm_isdst) = (year, wday, yday, isdst);
        tm.tm_gmtoff = self.gmtoff;
        tm.tm_zone = self.zone.as_ptr();
        tm
    }

    /// C `strftime`, plus Python's `%f` (microseconds).
    fn strftime(&self, fmt: &str) -> String {
        let tm = self.tm();
        let fmt = fmt.replace("%f", &format!("{:06}", self.micros));
        let Ok(c_fmt) = std::ffi::CString::new(fmt) else {
            return String::new();
        };
        let mut buf = vec![0u8; 256 + c_fmt.as_bytes().len() * 8];
        // SAFETY: `buf` is writable for its length, `c_fmt` is NUL-terminated, `tm` is valid.
        let n = unsafe { libc::strftime(buf.as_mut_ptr().cast(), buf.len(), c_fmt.as_ptr(), &tm) };
        String::from_utf8_lossy(&buf[..n]).into_owned()
    }
}

impl Object for DateTime {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let [sec, min, hour, mday, mon, year, ..] = self.fields;
        Some(Value::from(match key.as_str()? {
            "year" => year + 1900,
            "month" => mon + 1,
            "day" => mday,
            "hour" => hour,
            "minute" => min,
            "second" => sec,
            "microsecond" => self.micros as i32,
            _ => return None,
        }))
    }

    fn call_method(
        self: &Arc<Self>,
        _state: &mut State<'_, '_>,
        method: &str,
        args: &[Value],
    ) -> Result<Value, Error> {
        match method {
            "strftime" => {
                let (fmt,): (String,) = from_args(args)?;
                Ok(Value::from(self.strftime(&fmt)))
            }
            "isoformat" => Ok(Value::from(self.strftime("%Y-%m-%dT%H:%M:%S.%f"))),
            "timestamp" => Ok(Value::from(self.epoch)),
            // Python's: Monday is 0.
            "weekday" => Ok(Value::from((self.fields[6] + 6) % 7)),
            _ => Err(Error::from(ErrorKind::UnknownMethod)),
        }
    }

    /// Datetimes order by their time, as Python's do.
    fn custom_cmp(self: &Arc<Self>, other: &DynObject) -> Option<std::cmp::Ordering> {
        let other = other.downcast_ref::<DateTime>()?;
        self.epoch.partial_cmp(&other.epoch)
    }

    /// Python's `str(datetime)`: microseconds only when there are some.
    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.micros == 0 {
            f.write_str(&self.strftime("%Y-%m-%d %H:%M:%S"))
        } else {
            f.write_str(&self.strftime("%Y-%m-%d %H:%M:%S.%f"))
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::template::Templar;
    use serde_json::{Value, json};

    fn e(expr: &str) -> Value {
        Templar::new()
            .render_str(
                &format!("{{{{ {expr} }}}}"),
                &crate::template::to_jinja(&json!({})),
            )
            .unwrap_or_else(|err| panic!("{expr}: {err}"))
    }

    #[test]
    fn now_has_the_fields_methods_and_text_of_a_python_datetime() {
        let year = e("now(utc=true).year").as_i64().unwrap();
        assert!((2024..3000).contains(&year), "{year}");
        assert_eq!(e("now(true, '%Y') | int"), json!(year));
        assert_eq!(e("now(fmt='%Y') | int"), json!(year));
        let text = e("now() | string");
        let text = text.as_str().unwrap();
        assert_eq!(text.len(), "2026-11-26 10:31:59.123456".len(), "{text}");
        assert!(text.starts_with(&format!("{year}-")), "{text}");
        let iso = e("now(utc=true).isoformat()");
        assert_eq!(iso.as_str().unwrap().as_bytes()[10], b'T', "{iso}");
        assert!(e("now().timestamp()").as_f64().unwrap() > 1.7e9);
        assert!((0..7).contains(&e("now().weekday()").as_i64().unwrap()));
        assert_eq!(e("now().strftime('%%')"), json!("%"));
    }
}

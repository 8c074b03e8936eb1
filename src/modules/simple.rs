//! Planning shared by modules whose whole work is one sh body fed with their arguments.

use super::args::Args;
use super::script::Script;
use super::{Action, Ctx, RemoteCall};
use crate::result::TaskResult;
use crate::transport::Stdin;

/// One remote call running `body` with `A_<name>` set for each listed argument.
pub fn remote(args: &Args, ctx: &Ctx, names: &[&str], body: &str) -> Action {
    remote_with(args, ctx, names, body, |_| Ok(()))
}

/// As `remote`, with `extra` adding variables of its own before the body.
pub fn remote_with(
    args: &Args,
    ctx: &Ctx,
    names: &[&str],
    body: &str,
    extra: impl FnOnce(&mut Script) -> Result<(), String>,
) -> Action {
    let built = (|| {
        let mut s = Script::new(ctx)?;
        s.args(args, names)?;
        extra(&mut s)?;
        Ok::<_, String>(s.finish(body))
    })();
    match built {
        Ok(script) => Action::Remote(RemoteCall {
            script,
            stdin: Stdin::Empty,
        }),
        Err(e) => Action::Done(TaskResult::failed(e)),
    }
}

/// A spec's argument names (what `remote` should pass for most modules).
pub fn arg_names(spec: &super::ModuleSpec) -> Vec<&'static str> {
    spec.args.iter().map(|a| a.name).collect()
}

/// A module whose whole work is its sh body fed with every argument of its spec:
/// `sh_module!(Group, SPEC, BODY)` makes `Group` that module.
macro_rules! sh_module {
    ($module:ident, $spec:ident, $body:ident) => {
        impl $crate::modules::Module for $module {
            fn spec(&self) -> &'static $crate::modules::args::ModuleSpec {
                &$spec
            }

            fn plan(
                &self,
                args: &$crate::modules::args::Args,
                ctx: &$crate::modules::Ctx,
            ) -> $crate::modules::Action {
                $crate::modules::simple::remote(
                    args,
                    ctx,
                    &$crate::modules::simple::arg_names(&$spec),
                    $body,
                )
            }
        }
    };
}
pub(crate) use sh_module;

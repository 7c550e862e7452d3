//! The component's exported interfaces, each loaded on its own.
//!
//! The generated `ConnectorPre::instantiate` loads every function the
//! world exports into every new instance, and loading a function
//! type-checks its signature against the component's: for this component
//! (25 functions, their records carrying the credentials and the call
//! options) that was half the cost of instantiating it. A call uses one
//! interface, so [`Exports`] looks every export up once, when the host is
//! built, and loads into an instance only the interface the call asks for.

use wasmtime::Store;
use wasmtime::component::{Instance, InstancePre};

use crate::bindings::exports::pinterest::connector::{actions, catalog, jobs, oauth, triggers};
use crate::state::StoreState;

/// Where each exported interface's functions are, looked up once.
pub(crate) struct Exports {
    catalog: catalog::GuestIndices,
    oauth: oauth::GuestIndices,
    actions: actions::GuestIndices,
    jobs: jobs::GuestIndices,
    triggers: triggers::GuestIndices,
}

/// Loads one interface into an instance (one of [`Exports`]' methods).
pub(crate) type Load<G> = fn(&Exports, &mut Store<StoreState>, &Instance) -> wasmtime::Result<G>;

impl Exports {
    /// Looks up every interface the `connector` world exports; fails when
    /// the component lacks one of them or one of their functions.
    pub(crate) fn new(pre: &InstancePre<StoreState>) -> wasmtime::Result<Self> {
        Ok(Exports {
            catalog: catalog::GuestIndices::new(pre)?,
            oauth: oauth::GuestIndices::new(pre)?,
            actions: actions::GuestIndices::new(pre)?,
            jobs: jobs::GuestIndices::new(pre)?,
            triggers: triggers::GuestIndices::new(pre)?,
        })
    }
}

/// One loader per interface, each `fn(&Exports, &mut Store, &Instance)`,
/// as [`Load`] takes them.
macro_rules! loaders {
    ($($interface:ident),*) => {
        impl Exports {
            $(
                #[doc = concat!("The `", stringify!($interface), "` interface of `instance`.")]
                pub(crate) fn $interface(
                    &self,
                    store: &mut Store<StoreState>,
                    instance: &Instance,
                ) -> wasmtime::Result<$interface::Guest> {
                    self.$interface.load(store, instance)
                }
            )*
        }
    };
}

loaders!(catalog, oauth, actions, jobs, triggers);

//! Host bindings generated from `wit/connector.wit`.

wasmtime::component::bindgen!({
    path: "../../wit",
    world: "connector",
    exports: { default: async },
    // Values compare, so that a host can tell whether credentials changed.
    additional_derives: [PartialEq, Eq],
    // Hand-written, so that their `Debug` hides the secrets.
    with: { "pinterest:connector/credentials": crate::credentials },
});

//! Host bindings generated from `wit/connector.wit`.

wasmtime::component::bindgen!({
    path: "../../wit",
    world: "connector",
    exports: { default: async },
});

//! The one `bindgen!` of the host: Rust bindings for the Spin interfaces it provides, generated
//! from the WIT vendored in the repository's `wit/deps` (never checked in).

wasmtime::component::bindgen!({
    path: [
        "../../wit/deps/spin@2.0.0",
        "../../wit/deps/spin-postgres@3.0.0",
        "wit/host.wit",
    ],
    world: "pulse:host/host",
    imports: { default: async | trappable },
    with: {
        "fermyon:spin/key-value.store": crate::key_value::StoreHandle,
        "fermyon:spin/sqlite.connection": crate::sqlite::ConnectionHandle,
        "spin:postgres/postgres.connection": crate::postgres::ConnectionHandle,
    },
});

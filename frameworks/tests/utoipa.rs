//! utoipa: the OpenAPI 3.1 document an axum service's utoipa description
//! writes, read when the test runs, becomes a generated client crate; a
//! driver program (`drivers/utoipa.rs`) calls every operation against the
//! running service and asserts the values that come back.

use std::time::{Duration, Instant};

use frameworks_proof::harness;
use frameworks_proof::utoipa_app;

#[test]
fn utoipa_document_generates_a_client_that_calls_every_operation() {
    let started = Instant::now();
    // The document, as utoipa writes it now.
    let spec = utoipa_app::openapi_json();
    let doc: serde_json::Value = serde_json::from_str(&spec).expect("utoipa writes JSON");
    assert!(
        doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1.")),
        "utoipa wrote {}",
        doc["openapi"]
    );
    std::fs::create_dir_all(harness::work_dir()).expect("work dir");
    std::fs::write(harness::work_dir().join("utoipa-openapi.json"), &spec).expect("write");

    // The service, on a loopback port of its own.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = runtime.spawn(async move {
        axum::serve(listener, utoipa_app::router())
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
    });

    let client = harness::generate_client(spec.as_bytes(), "utoipa-openapi.json", "utoipa_client");
    let driver = harness::build_driver(
        "utoipa_driver",
        &client,
        include_str!("../drivers/utoipa.rs"),
    );
    let printed = harness::run_driver(&driver, &format!("http://{addr}"));
    let _ = stop.send(());
    runtime
        .block_on(async { tokio::time::timeout(Duration::from_secs(10), server).await })
        .expect("the server stops")
        .expect("server task")
        .expect("server");
    harness::assert_every_operation_called(&doc, &printed);
    eprintln!(
        "utoipa: generated, built and called in {:?}",
        started.elapsed()
    );
}

//! Measures the catalog figures through the component, against the mock:
//! `describe` of every endpoint, loading Pinterest's 5.23.0 description at
//! run time, and what the embedded catalog costs a call. Prints medians and
//! spreads; run it in release:
//!
//! ```sh
//! cargo run --release -p pinterest-host-test --bin catalog-figures
//! ```

use std::time::{Duration, Instant};

use pinterest_connector_host::types::{Credentials, HttpMethod, SpecSource};
use pinterest_connector_host::{ApiCallInput, RawRequestInput};
use pinterest_host_test::{MockConfig, MockPinterest, host_for, shared_openapi};

const RUNS: usize = 21;

/// Median, minimum and maximum of `RUNS` timings of `f`.
async fn measure<F, Fut>(mut f: F) -> (Duration, Duration, Duration)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let start = Instant::now();
        f().await;
        times.push(start.elapsed());
    }
    times.sort();
    (times[RUNS / 2], times[0], times[RUNS - 1])
}

fn show(name: &str, (median, min, max): (Duration, Duration, Duration)) {
    println!(
        "{name:<58} median {:>9.3} ms   (min {:.3}, max {:.3})",
        median.as_secs_f64() * 1e3,
        min.as_secs_f64() * 1e3,
        max.as_secs_f64() * 1e3
    );
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mock = MockPinterest::start(MockConfig::default()).await?;
    let host = host_for(&mock)?;
    let embedded = SpecSource::Embedded;
    let ids: Vec<String> = host
        .list_endpoints(&embedded)
        .await??
        .into_iter()
        .map(|e| e.id)
        .collect();
    println!("{RUNS} runs each; every call is a fresh instance of the component\n");

    show(
        &format!("describe all {} endpoints (one call each)", ids.len()),
        measure(|| async {
            for id in &ids {
                host.describe_endpoint(&embedded, id)
                    .await
                    .unwrap()
                    .unwrap();
            }
        })
        .await,
    );
    show(
        "describe one endpoint",
        measure(|| async {
            host.describe_endpoint(&embedded, "pins/create")
                .await
                .unwrap()
                .unwrap();
        })
        .await,
    );

    let v5_23 = SpecSource::Json(shared_openapi("pinterest-v5.23.0.json")?);
    show(
        "load 5.23.0 at run time (JSON, 1.3 MB) and list its 231",
        measure(|| async {
            assert_eq!(
                host.list_endpoints(&v5_23).await.unwrap().unwrap().len(),
                231
            );
        })
        .await,
    );
    show(
        "list the embedded 5.11.0 endpoints",
        measure(|| async {
            host.list_endpoints(&embedded).await.unwrap().unwrap();
        })
        .await,
    );

    let credentials = Credentials::Sandbox(mock.config().sandbox_token.clone());
    let pin = MockPinterest::pin_id(1);
    let call = ApiCallInput {
        spec: SpecSource::Embedded,
        endpoint: "GET /pins/{pin_id}".into(),
        path_params: vec![("pin_id".into(), pin.clone())],
        query_params: vec![],
        body: None,
    };
    show(
        "api-call GET /pins/{pin_id} (embedded catalog)",
        measure(|| async {
            host.api_call(&credentials, &call).await.unwrap().unwrap();
        })
        .await,
    );
    let raw = RawRequestInput {
        method: HttpMethod::Get,
        url: format!("/pins/{pin}"),
        headers: vec![],
        body: None,
        no_throw_on_404: false,
    };
    show(
        "raw-request GET /pins/{pin_id} (no catalog)",
        measure(|| async {
            host.raw_request(&credentials, &raw).await.unwrap().unwrap();
        })
        .await,
    );
    Ok(())
}

//! The jobs that span calls, against the mock on loopback: how fast a
//! video goes up and a report comes down through the component, and how
//! much guest memory a 50 MB report takes.

use std::time::Instant;

use pinterest_connector_host::types::Credentials;
use pinterest_connector_host::{ConnectorHost, JobWait, MediaFile};
use pinterest_host_test::report_mock::{ReportEncoding, ReportPlay};
use pinterest_host_test::{MockConfig, MockPinterest, host_for, mock_credentials};

use crate::report::{Row, Verdict};
use crate::stats::{self, Samples};

/// The video uploaded.
const VIDEO_BYTES: usize = 32 << 20;
/// The report downloaded (unpacked).
const REPORT_BYTES: usize = 50 << 20;
/// The report request.
const REPORT_REQUEST: &str = r#"{"start_date": "2024-01-01", "end_date": "2024-06-30",
    "granularity": "DAY", "level": "CAMPAIGN", "columns": ["SPEND_IN_DOLLAR"]}"#;
const AD_ACCOUNT: &str = "549755885175";
/// Polls a millisecond apart: the figures are the transfer, not the wait.
const QUICK: JobWait = JobWait {
    max_polls: 20,
    poll_interval_ms: 1,
};

/// MB/s (10^6 bytes a second) of `bytes` moved in each of `samples`
/// seconds: the median and the spread.
fn rate(bytes: usize, samples: &Samples) -> String {
    let mb = bytes as f64 / 1e6;
    let (low, high) = samples.spread();
    format!(
        "{:.0} MB/s median ({:.0}–{:.0} MB/s, n={})",
        mb / samples.median(),
        mb / high,
        mb / low,
        samples.len()
    )
}

/// Upload and download throughput, and the 50 MB report's guest memory
/// peak, each over `runs` runs.
pub(crate) async fn run(runs: usize) -> anyhow::Result<Vec<Row>> {
    let mut rows = Vec::new();

    let mock = MockPinterest::start(MockConfig::default()).await?;
    let host = host_for(&mock)?;
    let creds = mock_credentials(&mock);
    let mut video = b"\0\0\0\x18ftypmp42".to_vec();
    video.extend((0..VIDEO_BYTES).map(|i| (i * 31 % 251) as u8));
    let file = MediaFile {
        file_name: "clip.mp4".into(),
        content_type: "video/mp4".into(),
        bytes: video,
    };
    let mut uploads = Samples::default();
    for _ in 0..runs {
        let started = Instant::now();
        host.upload_media(&creds, &file, Some(QUICK))
            .await?
            .map_err(|f| anyhow::anyhow!("{f}"))?;
        uploads.push(started.elapsed());
    }
    rows.push(Row::new(
        "video upload through the component (32 MiB: register, multipart POST to the S3-like host, processing polls 1 ms apart)",
        "",
        rate(file.bytes.len(), &uploads),
        Verdict::Reported,
    ));
    println!("upload: {}", rate(file.bytes.len(), &uploads));

    for (encoding, name) in [
        (ReportEncoding::Plain, "plain"),
        (ReportEncoding::GzipDeclared, "gzip-compressed"),
    ] {
        let mock = MockPinterest::start(MockConfig {
            reports: ReportPlay {
                bytes: REPORT_BYTES,
                encoding,
                polls: 1,
                ..ReportPlay::default()
            },
            ..MockConfig::default()
        })
        .await?;
        let host = host_for(&mock)?;
        let mut downloads = Samples::default();
        let mut peak = 0;
        for _ in 0..runs {
            let (seconds, guest_peak) = download(&host, &mock_credentials(&mock)).await?;
            downloads.push_value(seconds);
            peak = peak.max(guest_peak);
        }
        rows.push(Row::new(
            format!("ads report download through the component (50 MiB, {name}: create, polls, stream to the host a chunk at a time)"),
            "",
            rate(REPORT_BYTES, &downloads),
            Verdict::Reported,
        ));
        rows.push(Row::new(
            format!("guest memory peak while downloading the 50 MiB {name} report"),
            "flat (independent of the report's size)",
            stats::bytes(peak as u64),
            Verdict::Reported,
        ));
        println!(
            "report ({name}): {}, guest peak {}",
            rate(REPORT_BYTES, &downloads),
            stats::bytes(peak as u64)
        );
    }
    Ok(rows)
}

/// One report from request to last byte: the seconds it took and the
/// guest's memory peak.
async fn download(host: &ConnectorHost, creds: &Credentials) -> anyhow::Result<(f64, usize)> {
    let started = Instant::now();
    let report = host
        .create_report(creds, AD_ACCOUNT, REPORT_REQUEST)
        .await?
        .map_err(|f| anyhow::anyhow!("{f}"))?;
    let mut stream = host
        .download_report(creds, AD_ACCOUNT, &report.token, Some(QUICK))
        .await?
        .map_err(|f| anyhow::anyhow!("{f}"))?;
    let mut bytes = 0;
    while let Some(chunk) = stream.next().await?.map_err(|f| anyhow::anyhow!("{f}"))? {
        bytes += chunk.len();
    }
    anyhow::ensure!(bytes == REPORT_BYTES, "{bytes} bytes arrived");
    let seconds = started.elapsed().as_secs_f64();
    Ok((seconds, stream.memory_peak_bytes()))
}

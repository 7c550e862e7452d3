// The jobs that span calls in Node.js: the connector component transpiled
// by jco into build/jobs (the Rust test `node::jobs_run_in_node_through_jco`
// does that, starts the mock Pinterest with its S3-like upload and report
// hosts, and runs this file with the mock's facts in the environment).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';

import { actions, jobs } from './build/jobs/jobs.js';
import { credentials, env } from './mock.mjs';

const quick = { maxPolls: 10, pollIntervalMs: 10 };

/** A video-looking file: an MP4 `ftyp` box, then `length` bytes. */
function video(length) {
  const bytes = new Uint8Array(12 + length);
  bytes.set(new TextEncoder().encode('\0\0\0\x18ftypmp42'));
  for (let i = 0; i < length; i += 1) bytes[12 + i] = (i * 31) % 251;
  return bytes;
}

test('a video pin: the upload job, then the pin as an ordinary api-call', () => {
  const uploaded = jobs.uploadMedia(
    credentials(),
    { fileName: 'clip.mp4', contentType: 'video/mp4', bytes: video(2 * 1024 * 1024) },
    quick,
    undefined,
  );
  assert.match(uploaded.mediaId, /^\d+$/);
  assert.equal(uploaded.credentials.refreshed, false);

  const pin = actions.apiCall(
    credentials(),
    {
      spec: { tag: 'embedded' },
      endpoint: 'POST /pins',
      pathParams: [],
      queryParams: [],
      body: JSON.stringify({
        board_id: env('MOCK_BOARD_ID'),
        title: 'A video pin from Node',
        media_source: {
          source_type: 'video_id',
          media_id: uploaded.mediaId,
          cover_image_key_frame_time: 1.5,
        },
      }),
    },
    undefined,
  );
  assert.equal(pin.status, 201, pin.body);
  assert.equal(JSON.parse(pin.body).board_id, env('MOCK_BOARD_ID'));
});

test('a failed processing is a typed job-failed error', () => {
  let payload;
  try {
    jobs.uploadMedia(
      credentials(),
      {
        fileName: 'photo.png',
        contentType: 'image/png',
        // A PNG's signature, then a little more.
        bytes: Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]),
      },
      quick,
      undefined,
    );
  } catch (e) {
    payload = e.payload;
  }
  assert.ok(payload, 'the upload of an image as a video fails');
  assert.equal(payload.error.tag, 'job-failed');
  assert.equal(payload.error.val.state, 'failed');
});

test('an ads report: created, waited for, downloaded a chunk at a time', () => {
  const started = jobs.createReport(
    credentials(),
    env('MOCK_AD_ACCOUNT_ID'),
    JSON.stringify({
      start_date: '2024-01-01',
      end_date: '2024-06-30',
      granularity: 'DAY',
      level: 'CAMPAIGN',
      columns: ['SPEND_IN_DOLLAR', 'IMPRESSION_1'],
    }),
    undefined,
  );
  assert.ok(started.token);
  const ready = jobs.downloadReport(
    credentials(),
    env('MOCK_AD_ACCOUNT_ID'),
    started.token,
    quick,
    undefined,
  );
  const hash = createHash('sha256');
  let bytes = 0;
  let chunks = 0;
  for (let chunk = ready.download.next(); chunk !== undefined; chunk = ready.download.next()) {
    hash.update(chunk);
    bytes += chunk.length;
    chunks += 1;
  }
  assert.equal(bytes, Number(env('MOCK_REPORT_BYTES')));
  assert.equal(hash.digest('hex'), env('MOCK_REPORT_SHA256'), 'every byte, unpacked');
  assert.ok(chunks > 1, `${chunks} chunks`);
});

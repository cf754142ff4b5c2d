-- The write transaction of one online submission, as the app runs it (captured with
-- `python -m bench.capture_sql`: BEGIN to COMMIT of POST /api/v1/dossiers/), for pgbench:
--   pgbench -n -f bench/pgbench_submission.sql -c 16 -j 2 -T 10 motcua_bench
-- Same statements, same order, same locks: the counter upsert (row lock per agency/day),
-- the dossier, its idempotency record, 2 attachment rows (one multi-row INSERT), the
-- event, the status-count upsert, the audit chain (lock the head, append, move the head),
-- the outbox message. The app also reads the calendar year inside the transaction and,
-- before it, the token with the officer row, the procedure and its components; those
-- reads are left out: this is the database's ceiling for the writes alone.
-- Agencies: the 24 departments of the bench province (ids 2..25), as the load test uses.
\set a random(1, 24)
\set proc random(1, 2000)
BEGIN;
INSERT INTO core_dailycounter (scope, day, value)
  VALUES ('000.00.' || lpad(:a::text, 2, '0') || '.H37', current_date, 1)
  ON CONFLICT (scope, day) DO UPDATE SET value = core_dailycounter.value + 1
  RETURNING value AS seq \gset
INSERT INTO dossiers_dossier (code, procedure_id, agency_id, current_agency_id,
    current_assignee_id, channel, status, applicant_id, applicant_name, applicant_id_number,
    applicant_phone, applicant_email, applicant_address, subject, submitted_at, intake_due_at,
    received_at, clock_started_at, due_at, original_due_at, paused_at, paused_minutes,
    supplement_count, apologised_at, finished_at, returned_at, result_code, return_method,
    province_code)
  VALUES ('000.00.' || lpad(:a::text, 2, '0') || '.H37-' || to_char(current_date, 'YYMMDD')
      || '-' || lpad(:seq::text, 4, '0'),
    :proc, :a + 1, :a + 1, NULL, 'online', 'submitted', 601, 'Nguyễn Văn Bench',
    '001234567890', '', '', '', 'Cấp giấy phép bench', now(), now() + interval '1 day',
    NULL, NULL, NULL, NULL, NULL, 0, 0, NULL, NULL, NULL, '', '', '37')
  RETURNING id AS did \gset
INSERT INTO dossiers_idempotencyrecord (owner, key, fingerprint, dossier_id, created_at)
  VALUES ('601', 'pgbench-' || :did, md5(:did::text) || md5(:did::text), :did, now())
  RETURNING id AS iid \gset
INSERT INTO dossiers_attachment (dossier_id, component_id, kind, path, original_name, size,
    sha256, content_type, uploaded_at)
  VALUES (:did, NULL, 'application',
      'dossiers/000.00.00.H37/2026/11/' || md5(:did::text) || 'a.pdf', 'to-khai.pdf', 102400,
      md5(:did::text) || md5('a'), 'application/pdf', now()),
    (:did, NULL, 'application',
      'dossiers/000.00.00.H37/2026/11/' || md5(:did::text) || 'b.pdf', 'giay-to.pdf', 102400,
      md5(:did::text) || md5('b'), 'application/pdf', now());
INSERT INTO dossiers_event (dossier_id, action, from_status, to_status, national_status,
    actor_id, actor_name, agency_id, at, note, data, province_code)
  VALUES (:did, 'submit', '', 'submitted', 1, 601, 'Nguyễn Văn Bench', NULL, now(), '',
    '{"channel": "online", "files": ["0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"]}',
    '37')
  RETURNING id AS eid \gset
INSERT INTO dossiers_agencystatuscount (agency_id, status, count) VALUES (:a + 1, 'submitted', 1)
  ON CONFLICT (agency_id, status) DO UPDATE
  SET count = dossiers_agencystatuscount.count + EXCLUDED.count;
SELECT id, last_hash, count FROM core_audithead WHERE id = 1 LIMIT 1 FOR UPDATE;
INSERT INTO core_auditentry (at, actor, action, object_type, object_id, data, province_code,
    prev_hash, hash)
  SELECT now(), 'citizen.1', 'dossier.submit', 'dossier', :did::text,
    '{"from": "", "to": "submitted", "note": "", "channel": "online", "files": ["0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"]}',
    '', h.last_hash,
    encode(sha256(convert_to(h.last_hash || :did::text || clock_timestamp()::text, 'UTF8')), 'hex')
  FROM core_audithead h WHERE h.id = 1
  RETURNING id AS auid \gset
UPDATE core_audithead SET last_hash = (SELECT hash FROM core_auditentry WHERE id = :auid),
  count = count + 1 WHERE id = 1;
INSERT INTO core_outboxmessage (topic, key, ordering_key, payload, status, attempts,
    next_attempt_at, last_error, created_at, delivered_at)
  VALUES ('dvcqg.status', 'pgbench:' || :did || ':' || :eid, 'dvcqg:pgbench:' || :did,
    '{"code": "000.00.02.H37-261123-0001", "procedure_code": "2.000002", "agency": "000.00.02.H37", "status": 1, "action": "submit", "at": "2026-11-23T14:09:25.444910+00:00", "due_at": null, "note": ""}',
    'pending', 0, now(), '', now(), NULL);
COMMIT;

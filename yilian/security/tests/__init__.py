"""The security suite (run by ``make test`` on SQLite and on PostgreSQL).

- ``test_sign_in``: two factors required by role (a manager without a device is sent to
  enrolment, not in), recovery codes, lockout at the sixth attempt per account and per
  address and its unlock, idle expiry and absolute lifetime, sessions ended on a password
  change or when an account is disabled, the person's own sign-in history.
- ``test_csp``: the Content-Security-Policy on every kind of page, and no template holding
  inline script, inline handlers or what the policy forbids.
- ``test_idor``: every URL pattern that names an object, asked by another hospital's person,
  answers 404 and changes nothing (a pattern neither probed nor exempted with a reason fails).
- ``test_xss_probe``: every free-text field of every model is either filled with script
  payloads by ``yilian.security.xss_probe`` or exempted with a reason; the browser test
  ``e2e/security/test_xss_everywhere.py`` fills them, types payloads into the forms, visits
  the pages as every role and checks nothing executes.
- ``test_separation_of_duties``: system admin, security admin and auditor are distinct; the
  auditor reads and exports the trail and changes nothing.
- ``test_append_only``: the audit table refuses UPDATE and DELETE in the database itself
  (raw SQL, both databases); ``yilian/audit/tests/test_archive.py`` the archival that alone
  may remove entries past the retention.
- ``test_passwords``, ``test_rate_limits``, ``test_error_pages``: common and breached
  passwords, limits on sign-in, password reset, text messages and the API, error pages that
  name no failure.
- ``test_backup``: backup, wipe, restore gives the same rows and file checksums.
- ``test_deploy_check``: ``manage.py check --deploy`` is clean in production.

Elsewhere: ``yilian/core/tests/test_key_rotation.py`` (field-key rotation),
``yilian/medical/tests/test_without_redis.py`` and
``yilian/workflow/tests/test_dependencies_down.py`` (the closed loop with Redis, Janus,
nginx-rtmp or Orthanc down).
"""

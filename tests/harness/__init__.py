"""The one test harness: boot the services, build data, drive pages and dialogs.

    settings, engine = boot_with_engine(TELEGRAM_API_URL=fake.base_url)  # the test's folder and database
    author = first_admin('author')
    late = missed('Better late than never')                 # a post as the app leaves it
    await reschedule_in_dialog(user, late, tomorrow, '10:00')

Fixtures built on it live in tests/conftest.py; a real app process is `tests/app_process.start_app` with
`process_env(...)`.
"""
from tests.harness.boot import SECRET_KEY, boot, boot_with_engine, process_env, publishing_to, stop_services
from tests.harness.builders import (
    FAKE_ACCOUNTS,
    PASSWORD,
    channel_of,
    channels_of,
    connected,
    deliveries_of,
    draft,
    first_admin,
    in_state,
    leases_run_out,
    listed,
    media_rows,
    missed,
    own_password,
    post_of,
    queued,
    scheduled,
    teammate,
    to_telegram,
    with_status,
)
from tests.harness.drivers import confirm_in_dialog, drop_files, reschedule_in_dialog

__all__ = ['FAKE_ACCOUNTS', 'PASSWORD', 'SECRET_KEY', 'boot', 'boot_with_engine', 'channel_of', 'channels_of',
           'confirm_in_dialog', 'connected', 'deliveries_of', 'draft', 'drop_files', 'first_admin', 'in_state',
           'leases_run_out', 'listed', 'media_rows', 'missed', 'own_password',
           'post_of', 'process_env', 'publishing_to', 'queued', 'reschedule_in_dialog', 'scheduled', 'stop_services',
           'teammate', 'to_telegram', 'with_status']

"""The access log is append-only and signed journal entries are immutable, in the database
itself: triggers refuse UPDATE and DELETE. TRUNCATE stays possible for the table owner (the test
runner's flush needs it); the app's production role owns no table and cannot truncate."""

from django.db import migrations

ACCESS_LOG = """
CREATE FUNCTION journal_accesslog_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'journal_accesslog is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER journal_accesslog_append_only
    BEFORE UPDATE OR DELETE ON journal_accesslog
    FOR EACH ROW EXECUTE FUNCTION journal_accesslog_append_only();
"""

ACCESS_LOG_REVERSE = """
DROP TRIGGER journal_accesslog_append_only ON journal_accesslog;
DROP FUNCTION journal_accesslog_append_only();
"""

JOURNAL = """
CREATE FUNCTION journal_entry_signed_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.signed_at IS NOT NULL THEN
        RAISE EXCEPTION 'signed journal entry % cannot be changed: % refused', OLD.id, TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER journal_entry_signed_immutable
    BEFORE UPDATE OR DELETE ON journal_journalentry
    FOR EACH ROW EXECUTE FUNCTION journal_entry_signed_immutable();
"""

JOURNAL_REVERSE = """
DROP TRIGGER journal_entry_signed_immutable ON journal_journalentry;
DROP FUNCTION journal_entry_signed_immutable();
"""


class Migration(migrations.Migration):
    dependencies = [("journal", "0001_patients_journal_access_log")]

    operations = [
        migrations.RunSQL(ACCESS_LOG, ACCESS_LOG_REVERSE),
        migrations.RunSQL(JOURNAL, JOURNAL_REVERSE),
    ]

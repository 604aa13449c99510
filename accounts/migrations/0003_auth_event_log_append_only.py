"""The authentication event log is append-only in the database itself, like the PDL access log:
a trigger refuses UPDATE and DELETE. TRUNCATE stays possible for the table owner only."""

from django.db import migrations

APPEND_ONLY = """
CREATE FUNCTION accounts_authevent_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'accounts_authevent is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER accounts_authevent_append_only
    BEFORE UPDATE OR DELETE ON accounts_authevent
    FOR EACH ROW EXECUTE FUNCTION accounts_authevent_append_only();
"""

APPEND_ONLY_REVERSE = """
DROP TRIGGER accounts_authevent_append_only ON accounts_authevent;
DROP FUNCTION accounts_authevent_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_auth_event_log"),
    ]

    operations = [migrations.RunSQL(APPEND_ONLY, APPEND_ONLY_REVERSE)]

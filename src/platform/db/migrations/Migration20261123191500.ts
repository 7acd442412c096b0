import { Migration } from '@mikro-orm/migrations';

const ROLE = 'skolebro_api_reader';
const TENANT = `nullif(current_setting('skolebro.municipality_id', true), '')::uuid`;
/** Tables whose rows belong to a child: visible only when the child is in the request's tenant. */
const CHILD_TABLES = ['placement', 'case_contact', 'custody_holder', 'enrollment', 'attendance_day', 'grade', 'wellbeing', 'intervention', 'identity_link'];

/**
 * Row-level security as defence in depth: child-data reads of a partner request run as the
 * restricted role with the tenant set per session (src/platform/db/tenant-scope.ts), so a
 * query that forgot its municipality filter still cannot cross tenants. Jobs and admin writes
 * run as the owner and are not affected.
 */
export class Migration20261123191500 extends Migration {
  override async up(): Promise<void> {
    // Roles are cluster-wide: several databases (tests, tenants' staging) may race to create it.
    this.addSql(`do $$ begin create role ${ROLE} nologin; exception when duplicate_object or unique_violation then null; end $$;`);
    this.addSql(`grant ${ROLE} to current_user;`);
    this.addSql(`grant usage on schema public to ${ROLE};`);
    this.addSql(`grant select on all tables in schema public to ${ROLE};`);
    this.addSql(`alter default privileges in schema public grant select on tables to ${ROLE};`);

    for (const table of ['child', 'attendance_summary', 'consent']) {
      this.addSql(`alter table "${table}" enable row level security;`);
      this.addSql(`create policy "${table}_tenant" on "${table}" for select to ${ROLE} using (municipality_id = ${TENANT});`);
    }
    for (const table of CHILD_TABLES) {
      this.addSql(`alter table "${table}" enable row level security;`);
      this.addSql(
        `create policy "${table}_tenant" on "${table}" for select to ${ROLE} using (exists (select 1 from child c where c.id = "${table}".child_id and c.municipality_id = ${TENANT}));`,
      );
    }
    this.addSql(`alter table "consent_provision" enable row level security;`);
    this.addSql(
      `create policy "consent_provision_tenant" on "consent_provision" for select to ${ROLE} using (exists (select 1 from consent c where c.id = consent_provision.consent_id and c.municipality_id = ${TENANT}));`,
    );
    // The access log is append-only: no role may rewrite history (retention deletes only).
    this.addSql(`create or replace function audit_event_append_only() returns trigger language plpgsql as $$ begin raise exception 'audit_event is append-only'; end $$;`);
    this.addSql(`create trigger audit_event_no_update before update on audit_event for each row execute function audit_event_append_only();`);
    this.addSql(`alter table "audit_event" add column "target" text null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "audit_event" drop column "target";`);
    this.addSql(`drop trigger if exists audit_event_no_update on audit_event;`);
    this.addSql(`drop function if exists audit_event_append_only();`);
    for (const table of ['child', 'attendance_summary', 'consent', ...CHILD_TABLES, 'consent_provision']) {
      this.addSql(`drop policy if exists "${table}_tenant" on "${table}";`);
      this.addSql(`alter table "${table}" disable row level security;`);
    }
    this.addSql(`revoke select on all tables in schema public from ${ROLE};`);
    this.addSql(`alter default privileges in schema public revoke select on tables from ${ROLE};`);
    this.addSql(`revoke usage on schema public from ${ROLE};`);
  }
}

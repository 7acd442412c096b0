import { Migration } from '@mikro-orm/migrations';

const ROLE = 'skolebro_api_reader';
/** What a partner read needs: child data (each under a tenant policy) and two reference tables. */
const TENANT_POLICED = ['child', 'placement', 'case_contact', 'enrollment', 'attendance_summary', 'grade', 'wellbeing', 'intervention', 'consent', 'consent_provision'];
/** Reference data without personal data, the same for every tenant. */
const REFERENCE = ['municipality', 'school'];

/**
 * The reader role gets exactly the tables a partner read uses, not every table and every future
 * one: the access log, consent history, quarantine payloads, partner secrets, sync bookkeeping
 * and identity matching are never readable under it, and a new table stays closed until a
 * migration opens it (test/platform/reader-grants.test.ts holds every readable table to a
 * tenant policy or the reference list).
 */
export class Migration20261124040000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter default privileges in schema public revoke select on tables from ${ROLE};`);
    this.addSql(`revoke all on all tables in schema public from ${ROLE};`);
    this.addSql(`grant select on ${[...TENANT_POLICED, ...REFERENCE].map((t) => `"${t}"`).join(', ')} to ${ROLE};`);
  }

  override async down(): Promise<void> {
    this.addSql(`grant select on all tables in schema public to ${ROLE};`);
    this.addSql(`alter default privileges in schema public grant select on tables to ${ROLE};`);
    for (const table of ['pupil_record', 'identity_rejection']) this.addSql(`revoke select on "${table}" from ${ROLE};`);
  }
}

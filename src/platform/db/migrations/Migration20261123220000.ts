import { Migration } from '@mikro-orm/migrations';

const ROLE = 'skolebro_api_reader';
const TENANT = `nullif(current_setting('skolebro.municipality_id', true), '')::uuid`;

/**
 * mergeChildren: a merged child stays as a tombstone pointing at the kept child (its CPR hash
 * keeps routing case and school records there); a consent valid for only one of the two is
 * suspended until an admin reviews it; consent history records the move.
 */
export class Migration20261123220000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "child" add column "merged_into_id" uuid null;`);
    // Cascade: when the kept child goes (no source links it any more), its tombstones go with it.
    this.addSql(`alter table "child" add constraint "child_merged_into_id_foreign" foreign key ("merged_into_id") references "child" ("id") on update cascade on delete cascade;`);
    this.addSql(`create index "child_merged_into_id_index" on "child" ("merged_into_id");`);

    this.addSql(`alter table "consent" drop constraint if exists "consent_status_check";`);
    this.addSql(`alter table "consent" add constraint "consent_status_check" check("status" in ('active', 'withdrawn', 'expired', 'superseded', 'suspended'));`);
    this.addSql(`alter table "consent_event" drop constraint if exists "consent_event_kind_check";`);
    this.addSql(`alter table "consent_event" add constraint "consent_event_kind_check" check("kind" in ('granted', 'withdrawn', 'expired', 'superseded', 'suspended', 'merged'));`);

    // Defence in depth: a partner read never sees a tombstone, even through a missed filter.
    this.addSql(`drop policy if exists "child_tenant" on "child";`);
    this.addSql(`create policy "child_tenant" on "child" for select to ${ROLE} using (municipality_id = ${TENANT} and merged_into_id is null);`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop policy if exists "child_tenant" on "child";`);
    this.addSql(`create policy "child_tenant" on "child" for select to ${ROLE} using (municipality_id = ${TENANT});`);
    this.addSql(`alter table "consent_event" drop constraint if exists "consent_event_kind_check";`);
    this.addSql(`alter table "consent_event" add constraint "consent_event_kind_check" check("kind" in ('granted', 'withdrawn', 'expired', 'superseded'));`);
    this.addSql(`alter table "consent" drop constraint if exists "consent_status_check";`);
    this.addSql(`alter table "consent" add constraint "consent_status_check" check("status" in ('active', 'withdrawn', 'expired', 'superseded'));`);
    this.addSql(`alter table "child" drop constraint "child_merged_into_id_foreign";`);
    this.addSql(`drop index "child_merged_into_id_index";`);
    this.addSql(`alter table "child" drop column "merged_into_id";`);
  }
}

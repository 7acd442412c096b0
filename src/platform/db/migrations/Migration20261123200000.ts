import { Migration } from '@mikro-orm/migrations';

export class Migration20261123200000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "sync_run" add column "skipped_unlinked_count" int not null default 0;`);
    this.addSql(`create table "attendance_summary_pending" ("child_id" uuid not null, "queued_at" timestamptz not null default now(), constraint "attendance_summary_pending_pkey" primary key ("child_id"));`);
    this.addSql(`alter table "attendance_summary_pending" add constraint "attendance_summary_pending_child_id_foreign" foreign key ("child_id") references "child" ("id") on update cascade on delete cascade;`);
    // Pupils found by UNI-Login across school sources.
    this.addSql(`create index "identity_link_uni_login_id_index" on "identity_link" ("uni_login_id") where "uni_login_id" is not null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists "identity_link_uni_login_id_index";`);
    this.addSql(`drop table if exists "attendance_summary_pending" cascade;`);
    this.addSql(`alter table "sync_run" drop column "skipped_unlinked_count";`);
  }
}

import { Migration } from '@mikro-orm/migrations';

export class Migration20261123152507 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "sync_seen" ("job_id" text not null, "target" text not null, "external_id" text not null, "source_system_id" uuid not null, constraint "sync_seen_pkey" primary key ("job_id", "target", "external_id"));`);
    this.addSql(`create index "sync_seen_source_system_id_index" on "sync_seen" ("source_system_id");`);

    this.addSql(`create table "sync_state" ("source_system_id" uuid not null, "stream" text not null, "state" jsonb not null, "updated_at" timestamptz not null default now(), constraint "sync_state_pkey" primary key ("source_system_id", "stream"));`);

    this.addSql(`alter table "sync_state" add constraint "sync_state_source_system_id_foreign" foreign key ("source_system_id") references "source_system" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "source_system" add column "config" jsonb not null default '{}', add column "full_resync_schedule" text null, add column "updated_at" timestamptz not null default now();`);

    this.addSql(`alter table "sync_run" add column "mode" text check ("mode" in ('incremental', 'full')) not null, add column "job_id" text null;`);
    this.addSql(`alter table "sync_run" add constraint "sync_run_job_id_stream_unique" unique ("job_id", "stream");`);

    this.addSql(`create unique index "quarantined_record_open_unique" on "quarantined_record" ("source_system_id", "stream", "external_id") where "resolved_at" is null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "sync_seen" cascade;`);

    this.addSql(`drop table if exists "sync_state" cascade;`);

    this.addSql(`drop index "quarantined_record_open_unique";`);

    this.addSql(`alter table "source_system" drop column "config", drop column "full_resync_schedule", drop column "updated_at";`);

    this.addSql(`alter table "sync_run" drop constraint "sync_run_job_id_stream_unique";`);
    this.addSql(`alter table "sync_run" drop column "mode", drop column "job_id";`);
  }

}

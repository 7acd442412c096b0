import { Migration } from '@mikro-orm/migrations';

const SCHOOL_TABLES = ['enrollment', 'attendance_day', 'grade', 'wellbeing'];

export class Migration20261123210000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "pupil_record" ("source_system_id" uuid not null, "external_id" text not null, "cpr_hmac" varchar(64) null, "uni_login_id" text null, "first_name" text null, "last_name" text null, "birth_date" date null, "institution_number" text null, "staged_at" timestamptz not null default now(), "matched_at" timestamptz null, constraint "pupil_record_pkey" primary key ("source_system_id", "external_id"));`);
    this.addSql(`create index "pupil_record_source_system_id_matched_at_index" on "pupil_record" ("source_system_id", "matched_at");`);
    this.addSql(`alter table "pupil_record" add constraint "pupil_record_source_system_id_foreign" foreign key ("source_system_id") references "source_system" ("id") on update cascade on delete cascade;`);

    this.addSql(`create table "identity_rejection" ("source_system_id" uuid not null, "external_id" text not null, "child_id" uuid not null, "decided_by" text not null, "decided_at" timestamptz not null default now(), constraint "identity_rejection_pkey" primary key ("source_system_id", "external_id", "child_id"));`);
    this.addSql(`create index "identity_rejection_child_id_index" on "identity_rejection" ("child_id");`);
    this.addSql(`alter table "identity_rejection" add constraint "identity_rejection_source_system_id_foreign" foreign key ("source_system_id") references "source_system" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "identity_rejection" add constraint "identity_rejection_child_id_foreign" foreign key ("child_id") references "child" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "identity_link" add column "candidates" jsonb not null default '[]', add column "reasons" text[] not null default '{}', add column "status_changed_at" timestamptz not null default now();`);
    // Provenance of school rows: no foreign key and no index on purpose (the high-volume path);
    // rows are found through their child_id index and filtered on the link.
    for (const table of SCHOOL_TABLES) this.addSql(`alter table "${table}" add column "identity_link_id" uuid null;`);
    // Existing rows: the one linked record of their source for their child.
    for (const table of SCHOOL_TABLES) {
      this.addSql(`update "${table}" t set "identity_link_id" = il.id from "identity_link" il where il.source_system_id = t.source_system_id and il.child_id = t.child_id and il.status = 'linked';`);
    }
  }

  override async down(): Promise<void> {
    for (const table of SCHOOL_TABLES) this.addSql(`alter table "${table}" drop column "identity_link_id";`);
    this.addSql(`alter table "identity_link" drop column "candidates", drop column "reasons", drop column "status_changed_at";`);
    this.addSql(`drop table if exists "identity_rejection" cascade;`);
    this.addSql(`drop table if exists "pupil_record" cascade;`);
  }
}

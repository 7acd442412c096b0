import { Migration } from '@mikro-orm/migrations';

export class Migration20261123143036 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "audit_event" ("id" bigserial primary key, "occurred_at" timestamptz not null default now(), "municipality_id" uuid null, "actor" text not null, "action" text check ("action" in ('read', 'search', 'change', 'export', 'delete')) not null, "child_id" uuid null, "search_criterion" jsonb null, "categories" text[] not null, "purpose" text null, "decision" text check ("decision" in ('permit', 'deny')) not null, "request_id" text null);`);
    this.addSql(`create index "audit_event_municipality_id_occurred_at_index" on "audit_event" ("municipality_id", "occurred_at");`);
    this.addSql(`create index "audit_event_child_id_occurred_at_index" on "audit_event" ("child_id", "occurred_at");`);

    this.addSql(`create table "municipality" ("id" uuid not null default gen_random_uuid(), "code" varchar(3) not null, "name" text not null, constraint "municipality_pkey" primary key ("id"));`);
    this.addSql(`alter table "municipality" add constraint "municipality_code_unique" unique ("code");`);

    this.addSql(`create table "child" ("id" uuid not null default gen_random_uuid(), "municipality_id" uuid not null, "cpr_hmac" varchar(64) not null, "first_name" text not null, "last_name" text not null, "birth_date" date not null, "created_at" timestamptz not null default now(), constraint "child_pkey" primary key ("id"));`);
    this.addSql(`create index "child_municipality_id_id_index" on "child" ("municipality_id", "id");`);
    this.addSql(`alter table "child" add constraint "child_municipality_id_cpr_hmac_unique" unique ("municipality_id", "cpr_hmac");`);

    this.addSql(`create table "attendance_summary" ("id" bigserial primary key, "municipality_id" uuid not null, "child_id" uuid not null, "period_kind" text check ("period_kind" in ('month', 'quarter', 'school_year')) not null, "period_start" date not null, "period_end" date not null, "school_days" int not null, "present_days" int not null, "partial_days" int not null, "illness_days" int not null, "authorised_days" int not null, "unauthorised_days" int not null, "absence_pct" numeric(5,2) not null, "illness_pct" numeric(5,2) not null, "authorised_pct" numeric(5,2) not null, "unauthorised_pct" numeric(5,2) not null, "computed_at" timestamptz not null default now());`);
    this.addSql(`create index "attendance_summary_municipality_id_index" on "attendance_summary" ("municipality_id");`);
    this.addSql(`alter table "attendance_summary" add constraint "attendance_summary_child_id_period_kind_period_start_unique" unique ("child_id", "period_kind", "period_start");`);

    this.addSql(`create table "partner_app" ("id" uuid not null default gen_random_uuid(), "municipality_id" uuid not null, "name" text not null, "role" text check ("role" in ('school', 'childrens_home', 'caseworker', 'evaluator', 'admin')) not null, "client_id" text not null, "secret_hash" text not null, "purposes" text[] not null, "active" boolean not null default true, "created_at" timestamptz not null default now(), constraint "partner_app_pkey" primary key ("id"));`);
    this.addSql(`alter table "partner_app" add constraint "partner_app_client_id_unique" unique ("client_id");`);

    this.addSql(`create table "source_system" ("id" uuid not null default gen_random_uuid(), "municipality_id" uuid not null, "name" text not null, "kind" text check ("kind" in ('case_system', 'oneroster', 'edfi', 'csv', 'synthetic')) not null, "base_url" text null, "credential_ref" text null, "schedule" text null, "enabled" boolean not null default true, "created_at" timestamptz not null default now(), constraint "source_system_pkey" primary key ("id"));`);
    this.addSql(`alter table "source_system" add constraint "source_system_municipality_id_name_unique" unique ("municipality_id", "name");`);

    this.addSql(`create table "school" ("id" uuid not null default gen_random_uuid(), "source_system_id" uuid not null, "external_id" text not null, "source_updated_at" timestamptz null, "synced_at" timestamptz not null default now(), "municipality_id" uuid not null, "institution_number" varchar(6) not null, "name" text not null, constraint "school_pkey" primary key ("id"), constraint school_institution_number_check check (institution_number ~ '^[0-9]{6}\$'));`);
    this.addSql(`alter table "school" add constraint "school_institution_number_unique" unique ("institution_number");`);
    this.addSql(`alter table "school" add constraint "school_source_system_id_external_id_unique" unique ("source_system_id", "external_id");`);

    this.addSql(`create table "placement" ("id" uuid not null default gen_random_uuid(), "source_system_id" uuid not null, "external_id" text not null, "source_updated_at" timestamptz null, "synced_at" timestamptz not null default now(), "child_id" uuid not null, "type" text check ("type" in ('childrens_home', 'opholdssted', 'foster_family', 'network_foster_family', 'boarding_school', 'own_room')) not null, "place_name" text not null, "legal_basis" text not null, "start_date" date not null, "end_date" date null, constraint "placement_pkey" primary key ("id"));`);
    this.addSql(`create index "placement_child_id_start_date_index" on "placement" ("child_id", "start_date");`);
    this.addSql(`alter table "placement" add constraint "placement_source_system_id_external_id_unique" unique ("source_system_id", "external_id");`);

    this.addSql(`create table "intervention" ("id" uuid not null default gen_random_uuid(), "source_system_id" uuid not null, "external_id" text not null, "source_updated_at" timestamptz null, "synced_at" timestamptz not null default now(), "child_id" uuid not null, "kind" text check ("kind" in ('small_group_teaching', 'extra_teacher', 'intensive_course', 'mentor', 'homework_help', 'other')) not null, "start_date" date not null, "end_date" date null, "provider" text null, "description" text null, constraint "intervention_pkey" primary key ("id"));`);
    this.addSql(`create index "intervention_child_id_start_date_index" on "intervention" ("child_id", "start_date");`);
    this.addSql(`alter table "intervention" add constraint "intervention_source_system_id_external_id_unique" unique ("source_system_id", "external_id");`);

    this.addSql(`create table "identity_link" ("id" uuid not null default gen_random_uuid(), "source_system_id" uuid not null, "external_id" text not null, "child_id" uuid null, "method" text check ("method" in ('cpr', 'uni_login', 'manual', 'probabilistic')) not null, "confidence" numeric(4,3) not null, "status" text check ("status" in ('linked', 'pending_review', 'rejected')) not null default 'linked', "uni_login_id" text null, "decided_by" text null, "decided_at" timestamptz null, "created_at" timestamptz not null default now(), constraint "identity_link_pkey" primary key ("id"));`);
    this.addSql(`create index "identity_link_status_created_at_index" on "identity_link" ("status", "created_at");`);
    this.addSql(`create index "identity_link_child_id_index" on "identity_link" ("child_id");`);
    this.addSql(`alter table "identity_link" add constraint "identity_link_source_system_id_external_id_unique" unique ("source_system_id", "external_id");`);

    this.addSql(`create table "grade" ("id" uuid not null default gen_random_uuid(), "source_system_id" uuid not null, "external_id" text not null, "source_updated_at" timestamptz null, "synced_at" timestamptz not null default now(), "child_id" uuid not null, "subject" text not null, "kind" text check ("kind" in ('term', 'exam', 'year')) not null, "value" varchar(2) not null, "grade_date" date not null, "school_year" varchar(7) not null, constraint "grade_pkey" primary key ("id"), constraint grade_school_year_check check (school_year ~ '^[0-9]{4}/[0-9]{2}\$'), constraint grade_value_check check (value ~ '^(12|10|7|4|02|00|-3)\$'));`);
    this.addSql(`create index "grade_child_id_grade_date_index" on "grade" ("child_id", "grade_date");`);
    this.addSql(`alter table "grade" add constraint "grade_source_system_id_external_id_unique" unique ("source_system_id", "external_id");`);

    this.addSql(`create table "enrollment" ("id" uuid not null default gen_random_uuid(), "source_system_id" uuid not null, "external_id" text not null, "source_updated_at" timestamptz null, "synced_at" timestamptz not null default now(), "child_id" uuid not null, "school_id" uuid not null, "grade_level" smallint not null, "class_name" text null, "start_date" date not null, "end_date" date null, constraint "enrollment_pkey" primary key ("id"), constraint enrollment_grade_level_check check (grade_level >= 0 and grade_level <= 10));`);
    this.addSql(`create index "enrollment_child_id_start_date_index" on "enrollment" ("child_id", "start_date");`);
    this.addSql(`alter table "enrollment" add constraint "enrollment_source_system_id_external_id_unique" unique ("source_system_id", "external_id");`);

    this.addSql(`create table "custody_holder" ("id" uuid not null default gen_random_uuid(), "source_system_id" uuid not null, "external_id" text not null, "source_updated_at" timestamptz null, "synced_at" timestamptz not null default now(), "child_id" uuid not null, "name" text not null, "cpr_hmac" varchar(64) null, "relation" text not null, constraint "custody_holder_pkey" primary key ("id"));`);
    this.addSql(`create index "custody_holder_child_id_index" on "custody_holder" ("child_id");`);
    this.addSql(`alter table "custody_holder" add constraint "custody_holder_source_system_id_external_id_unique" unique ("source_system_id", "external_id");`);

    this.addSql(`create table "consent" ("id" uuid not null default gen_random_uuid(), "municipality_id" uuid not null, "child_id" uuid not null, "grantor_kind" text check ("grantor_kind" in ('custody_holder', 'young_person', 'legal_basis')) not null, "grantor_custody_holder_id" uuid null, "legal_basis" text null, "evidence_ref" text not null, "status" text check ("status" in ('active', 'withdrawn', 'expired', 'superseded')) not null default 'active', "valid_from" timestamptz not null, "valid_to" timestamptz null, "supersedes_id" uuid null, "created_by" text not null, "created_at" timestamptz not null default now(), constraint "consent_pkey" primary key ("id"));`);
    this.addSql(`create index "consent_child_id_status_index" on "consent" ("child_id", "status");`);

    this.addSql(`create table "consent_provision" ("id" uuid not null default gen_random_uuid(), "consent_id" uuid not null, "effect" text check ("effect" in ('permit', 'deny')) not null, "recipient_role" text check ("recipient_role" in ('school', 'childrens_home', 'caseworker', 'evaluator', 'admin')) null, "recipient_partner_app_id" uuid null, "categories" text[] not null, "purposes" text[] not null, "period_start" timestamptz null, "period_end" timestamptz null, constraint "consent_provision_pkey" primary key ("id"), constraint consent_provision_recipient_check check ((recipient_role is not null) <> (recipient_partner_app_id is not null)));`);
    this.addSql(`create index "consent_provision_consent_id_index" on "consent_provision" ("consent_id");`);

    this.addSql(`create table "consent_event" ("id" bigserial primary key, "consent_id" uuid not null, "kind" text check ("kind" in ('granted', 'withdrawn', 'expired', 'superseded')) not null, "actor" text not null, "reason" text null, "occurred_at" timestamptz not null default now());`);
    this.addSql(`create index "consent_event_consent_id_occurred_at_index" on "consent_event" ("consent_id", "occurred_at");`);

    this.addSql(`create table "case_contact" ("id" uuid not null default gen_random_uuid(), "source_system_id" uuid not null, "external_id" text not null, "source_updated_at" timestamptz null, "synced_at" timestamptz not null default now(), "child_id" uuid not null, "role" text check ("role" in ('caseworker', 'childrens_home_contact', 'school_contact', 'foster_parent', 'other')) not null, "name" text not null, "organisation" text null, "email" text null, "phone" text null, "start_date" date not null, "end_date" date null, constraint "case_contact_pkey" primary key ("id"));`);
    this.addSql(`create index "case_contact_child_id_index" on "case_contact" ("child_id");`);
    this.addSql(`alter table "case_contact" add constraint "case_contact_source_system_id_external_id_unique" unique ("source_system_id", "external_id");`);

    this.addSql(`create table "attendance_day" ("id" bigserial primary key, "source_system_id" uuid not null, "external_id" text not null, "source_updated_at" timestamptz null, "synced_at" timestamptz not null default now(), "child_id" uuid not null, "date" date not null, "status" text check ("status" in ('present', 'illness', 'authorised', 'unauthorised', 'partial')) not null, "note" text null);`);
    this.addSql(`alter table "attendance_day" add constraint "attendance_day_child_id_date_unique" unique ("child_id", "date");`);
    this.addSql(`alter table "attendance_day" add constraint "attendance_day_source_system_id_external_id_unique" unique ("source_system_id", "external_id");`);

    this.addSql(`create table "sync_run" ("id" uuid not null default gen_random_uuid(), "source_system_id" uuid not null, "stream" text not null, "status" text check ("status" in ('running', 'succeeded', 'failed')) not null default 'running', "started_at" timestamptz not null default now(), "finished_at" timestamptz null, "read_count" int not null default 0, "inserted_count" int not null default 0, "updated_count" int not null default 0, "unchanged_count" int not null default 0, "deleted_count" int not null default 0, "quarantined_count" int not null default 0, "cursor_before" jsonb null, "cursor_after" jsonb null, "error" text null, constraint "sync_run_pkey" primary key ("id"));`);
    this.addSql(`create index "sync_run_source_system_id_started_at_index" on "sync_run" ("source_system_id", "started_at");`);

    this.addSql(`create table "quarantined_record" ("id" uuid not null default gen_random_uuid(), "source_system_id" uuid not null, "sync_run_id" uuid null, "stream" text not null, "external_id" text null, "redacted_payload" jsonb not null, "reason" text not null, "first_seen_at" timestamptz not null default now(), "last_seen_at" timestamptz not null default now(), "resolved_at" timestamptz null, "resolution" text null, constraint "quarantined_record_pkey" primary key ("id"));`);
    this.addSql(`create index "quarantined_record_source_system_id_resolved_at_index" on "quarantined_record" ("source_system_id", "resolved_at");`);

    this.addSql(`create table "wellbeing" ("id" uuid not null default gen_random_uuid(), "source_system_id" uuid not null, "external_id" text not null, "source_updated_at" timestamptz null, "synced_at" timestamptz not null default now(), "child_id" uuid not null, "indicator" text check ("indicator" in ('academic', 'social', 'support_and_inspiration', 'peace_and_order')) not null, "score" numeric(3,2) not null, "survey_year" smallint not null, constraint "wellbeing_pkey" primary key ("id"), constraint wellbeing_score_check check (score >= 1 and score <= 5));`);
    this.addSql(`create index "wellbeing_child_id_survey_year_index" on "wellbeing" ("child_id", "survey_year");`);
    this.addSql(`alter table "wellbeing" add constraint "wellbeing_source_system_id_external_id_unique" unique ("source_system_id", "external_id");`);

    this.addSql(`alter table "child" add constraint "child_municipality_id_foreign" foreign key ("municipality_id") references "municipality" ("id") on update cascade on delete restrict;`);

    this.addSql(`alter table "attendance_summary" add constraint "attendance_summary_municipality_id_foreign" foreign key ("municipality_id") references "municipality" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "attendance_summary" add constraint "attendance_summary_child_id_foreign" foreign key ("child_id") references "child" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "partner_app" add constraint "partner_app_municipality_id_foreign" foreign key ("municipality_id") references "municipality" ("id") on update cascade on delete restrict;`);

    this.addSql(`alter table "source_system" add constraint "source_system_municipality_id_foreign" foreign key ("municipality_id") references "municipality" ("id") on update cascade on delete restrict;`);

    this.addSql(`alter table "school" add constraint "school_source_system_id_foreign" foreign key ("source_system_id") references "source_system" ("id") on update cascade on delete restrict;`);
    this.addSql(`alter table "school" add constraint "school_municipality_id_foreign" foreign key ("municipality_id") references "municipality" ("id") on update cascade on delete restrict;`);

    this.addSql(`alter table "placement" add constraint "placement_source_system_id_foreign" foreign key ("source_system_id") references "source_system" ("id") on update cascade on delete restrict;`);
    this.addSql(`alter table "placement" add constraint "placement_child_id_foreign" foreign key ("child_id") references "child" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "intervention" add constraint "intervention_source_system_id_foreign" foreign key ("source_system_id") references "source_system" ("id") on update cascade on delete restrict;`);
    this.addSql(`alter table "intervention" add constraint "intervention_child_id_foreign" foreign key ("child_id") references "child" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "identity_link" add constraint "identity_link_source_system_id_foreign" foreign key ("source_system_id") references "source_system" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "identity_link" add constraint "identity_link_child_id_foreign" foreign key ("child_id") references "child" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "grade" add constraint "grade_source_system_id_foreign" foreign key ("source_system_id") references "source_system" ("id") on update cascade on delete restrict;`);
    this.addSql(`alter table "grade" add constraint "grade_child_id_foreign" foreign key ("child_id") references "child" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "enrollment" add constraint "enrollment_source_system_id_foreign" foreign key ("source_system_id") references "source_system" ("id") on update cascade on delete restrict;`);
    this.addSql(`alter table "enrollment" add constraint "enrollment_child_id_foreign" foreign key ("child_id") references "child" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "enrollment" add constraint "enrollment_school_id_foreign" foreign key ("school_id") references "school" ("id") on update cascade on delete restrict;`);

    this.addSql(`alter table "custody_holder" add constraint "custody_holder_source_system_id_foreign" foreign key ("source_system_id") references "source_system" ("id") on update cascade on delete restrict;`);
    this.addSql(`alter table "custody_holder" add constraint "custody_holder_child_id_foreign" foreign key ("child_id") references "child" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "consent" add constraint "consent_municipality_id_foreign" foreign key ("municipality_id") references "municipality" ("id") on update cascade on delete restrict;`);
    this.addSql(`alter table "consent" add constraint "consent_child_id_foreign" foreign key ("child_id") references "child" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "consent" add constraint "consent_grantor_custody_holder_id_foreign" foreign key ("grantor_custody_holder_id") references "custody_holder" ("id") on update cascade on delete set null;`);
    this.addSql(`alter table "consent" add constraint "consent_supersedes_id_foreign" foreign key ("supersedes_id") references "consent" ("id") on update cascade on delete restrict;`);

    this.addSql(`alter table "consent_provision" add constraint "consent_provision_consent_id_foreign" foreign key ("consent_id") references "consent" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "consent_provision" add constraint "consent_provision_recipient_partner_app_id_foreign" foreign key ("recipient_partner_app_id") references "partner_app" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "consent_event" add constraint "consent_event_consent_id_foreign" foreign key ("consent_id") references "consent" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "case_contact" add constraint "case_contact_source_system_id_foreign" foreign key ("source_system_id") references "source_system" ("id") on update cascade on delete restrict;`);
    this.addSql(`alter table "case_contact" add constraint "case_contact_child_id_foreign" foreign key ("child_id") references "child" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "attendance_day" add constraint "attendance_day_source_system_id_foreign" foreign key ("source_system_id") references "source_system" ("id") on update cascade on delete restrict;`);
    this.addSql(`alter table "attendance_day" add constraint "attendance_day_child_id_foreign" foreign key ("child_id") references "child" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "sync_run" add constraint "sync_run_source_system_id_foreign" foreign key ("source_system_id") references "source_system" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "quarantined_record" add constraint "quarantined_record_source_system_id_foreign" foreign key ("source_system_id") references "source_system" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "quarantined_record" add constraint "quarantined_record_sync_run_id_foreign" foreign key ("sync_run_id") references "sync_run" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "wellbeing" add constraint "wellbeing_source_system_id_foreign" foreign key ("source_system_id") references "source_system" ("id") on update cascade on delete restrict;`);
    this.addSql(`alter table "wellbeing" add constraint "wellbeing_child_id_foreign" foreign key ("child_id") references "child" ("id") on update cascade on delete cascade;`);
  }

}

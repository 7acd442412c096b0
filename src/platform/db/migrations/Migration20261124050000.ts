import { Migration } from '@mikro-orm/migrations';

/**
 * The municipal school calendar: the school days of each municipality's folkeskoler. Absence-only
 * sources (Danish CSV) need it to know the days present. Deliberately not granted to the partner
 * reader role: partner reads see only the summaries computed from it.
 */
export class Migration20261124050000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "school_calendar_day" ("municipality_id" uuid not null, "date" date not null, constraint "school_calendar_day_pkey" primary key ("municipality_id", "date"));`);
    this.addSql(`alter table "school_calendar_day" add constraint "school_calendar_day_municipality_id_foreign" foreign key ("municipality_id") references "municipality" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "school_calendar_day" cascade;`);
  }
}

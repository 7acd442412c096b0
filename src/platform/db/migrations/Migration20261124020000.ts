import { Migration } from '@mikro-orm/migrations';

/**
 * attendance_day is keyed by its natural key, one school day per child: the surrogate bigint key
 * only cost an index and a sequence step on every one of ≈2.4 M rows a large municipality's
 * school year brings, and nothing referred to it. The (child_id, date) unique constraint becomes
 * the primary key.
 */
export class Migration20261124020000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "attendance_day" drop constraint "attendance_day_pkey";`);
    this.addSql(`alter table "attendance_day" drop column "id";`);
    this.addSql(`alter table "attendance_day" add constraint "attendance_day_pkey" primary key ("child_id", "date");`);
    this.addSql(`alter table "attendance_day" drop constraint "attendance_day_child_id_date_unique";`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "attendance_day" drop constraint "attendance_day_pkey";`);
    this.addSql(`alter table "attendance_day" add constraint "attendance_day_child_id_date_unique" unique ("child_id", "date");`);
    this.addSql(`alter table "attendance_day" add column "id" bigserial primary key;`);
  }
}

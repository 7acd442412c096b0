import { Migration } from '@mikro-orm/migrations';

const FK_VIOLATION = `using errcode = 'foreign_key_violation'`;

/**
 * attendance_day (≈200 rows per child and school year) keeps its references with set-based
 * checks instead of foreign keys. A foreign key checks and key-share-locks the parent row once
 * per inserted row; measured on a 1.2 M-row table, those two checks were over half the cost of
 * writing a 5,000-row page (≈215 ms with, ≈92 ms without, ≈112 ms with these triggers).
 *
 * The triggers keep the foreign keys' meaning:
 * - insert/update: the referenced children and source systems are locked FOR KEY SHARE (as a
 *   foreign key check locks them, so a concurrent delete waits) and must exist;
 * - deleting a child deletes its attendance (was ON DELETE CASCADE);
 * - a source system with attendance cannot be deleted (was ON DELETE RESTRICT);
 * - the referenced keys cannot change while attendance points at them (ids never change).
 * TRUNCATE of child or source_system is not covered (no application path truncates them).
 */
export class Migration20261124000000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "attendance_day" drop constraint "attendance_day_source_system_id_foreign";`);
    this.addSql(`alter table "attendance_day" drop constraint "attendance_day_child_id_foreign";`);

    this.addSql(`create function attendance_day_check_references() returns trigger language plpgsql as $$
begin
  perform 1 from source_system s where s.id in (select distinct source_system_id from new_rows) for key share of s;
  perform 1 from child c where c.id in (select distinct child_id from new_rows) for key share of c;
  if exists (select 1 from (select distinct source_system_id from new_rows) n
             where not exists (select 1 from source_system s where s.id = n.source_system_id)) then
    raise exception 'attendance_day refers to a source system that does not exist' ${FK_VIOLATION}, constraint = 'attendance_day_source_system_id_check';
  end if;
  if exists (select 1 from (select distinct child_id from new_rows) n
             where not exists (select 1 from child c where c.id = n.child_id)) then
    raise exception 'attendance_day refers to a child that does not exist' ${FK_VIOLATION}, constraint = 'attendance_day_child_id_check';
  end if;
  return null;
end $$;`);
    this.addSql(`create trigger attendance_day_references_insert after insert on attendance_day referencing new table as new_rows for each statement execute function attendance_day_check_references();`);
    this.addSql(`create trigger attendance_day_references_update after update on attendance_day referencing new table as new_rows for each statement execute function attendance_day_check_references();`);

    this.addSql(`create function child_delete_attendance() returns trigger language plpgsql as $$
begin
  delete from attendance_day a using old_children o where a.child_id = o.id;
  return null;
end $$;`);
    this.addSql(`create trigger child_delete_attendance after delete on child referencing old table as old_children for each statement execute function child_delete_attendance();`);

    this.addSql(`create function source_system_restrict_attendance() returns trigger language plpgsql as $$
begin
  if exists (select 1 from attendance_day a join old_sources o on a.source_system_id = o.id) then
    raise exception 'source system still has attendance_day rows' ${FK_VIOLATION}, constraint = 'attendance_day_source_system_id_check';
  end if;
  return null;
end $$;`);
    this.addSql(`create trigger source_system_restrict_attendance after delete on source_system referencing old table as old_sources for each statement execute function source_system_restrict_attendance();`);

    this.addSql(`create function attendance_day_key_unchanged() returns trigger language plpgsql as $$
begin
  if (TG_TABLE_NAME = 'child' and exists (select 1 from attendance_day a where a.child_id = old.id))
     or (TG_TABLE_NAME = 'source_system' and exists (select 1 from attendance_day a where a.source_system_id = old.id)) then
    raise exception '%.id is referenced by attendance_day and cannot change', TG_TABLE_NAME ${FK_VIOLATION};
  end if;
  return new;
end $$;`);
    for (const parent of ['child', 'source_system']) {
      this.addSql(
        `create trigger ${parent}_key_unchanged_attendance before update of id on ${parent} for each row when (old.id is distinct from new.id) execute function attendance_day_key_unchanged();`,
      );
    }
  }

  override async down(): Promise<void> {
    for (const parent of ['child', 'source_system']) this.addSql(`drop trigger if exists ${parent}_key_unchanged_attendance on ${parent};`);
    this.addSql(`drop function if exists attendance_day_key_unchanged();`);
    this.addSql(`drop trigger if exists source_system_restrict_attendance on source_system;`);
    this.addSql(`drop function if exists source_system_restrict_attendance();`);
    this.addSql(`drop trigger if exists child_delete_attendance on child;`);
    this.addSql(`drop function if exists child_delete_attendance();`);
    this.addSql(`drop trigger if exists attendance_day_references_insert on attendance_day;`);
    this.addSql(`drop trigger if exists attendance_day_references_update on attendance_day;`);
    this.addSql(`drop function if exists attendance_day_check_references();`);
    this.addSql(`alter table "attendance_day" add constraint "attendance_day_source_system_id_foreign" foreign key ("source_system_id") references "source_system" ("id") on update cascade on delete restrict;`);
    this.addSql(`alter table "attendance_day" add constraint "attendance_day_child_id_foreign" foreign key ("child_id") references "child" ("id") on update cascade on delete cascade;`);
  }
}

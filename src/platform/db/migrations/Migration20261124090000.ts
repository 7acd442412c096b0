import { Migration } from '@mikro-orm/migrations';

/**
 * A consent is not deleted while its child exists: a deleted deny widens access as surely as a
 * rewritten one (it is withdrawn or superseded instead). Deleting a child still takes its
 * consents with it — in that cascade the child row is already gone.
 */
export class Migration20261124090000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create function consent_kept() returns trigger language plpgsql as $$
begin
  if exists (select 1 from child c where c.id = old.child_id) then
    raise exception 'consent % is never deleted while its child exists; withdraw it or grant one that supersedes it', old.id using errcode = 'integrity_constraint_violation';
  end if;
  return old;
end $$;`);
    this.addSql(`create trigger consent_kept before delete on consent for each row execute function consent_kept();`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger if exists consent_kept on consent;`);
    this.addSql(`drop function if exists consent_kept();`);
  }
}

import { Migration } from '@mikro-orm/migrations';

/** The consent update trigger's function; `noReactivation` adds the check this migration brings. */
const termsUnchanged = (noReactivation: boolean) => `create or replace function consent_terms_unchanged() returns trigger language plpgsql as $$
begin
  if (new.id, new.municipality_id, new.grantor_kind, new.legal_basis, new.evidence_ref, new.valid_from, new.valid_to, new.supersedes_id, new.created_by, new.created_at)
     is distinct from (old.id, old.municipality_id, old.grantor_kind, old.legal_basis, old.evidence_ref, old.valid_from, old.valid_to, old.supersedes_id, old.created_by, old.created_at)
     or (new.grantor_custody_holder_id is not null and new.grantor_custody_holder_id is distinct from old.grantor_custody_holder_id) then
    raise exception 'consent % : its terms are never changed; grant a new consent that supersedes it', old.id using errcode = 'integrity_constraint_violation';
  end if;${
    noReactivation
      ? `
  if old.status <> 'active' and new.status = 'active' then
    raise exception 'consent % is %: it never becomes active again; grant a new consent', old.id, old.status using errcode = 'integrity_constraint_violation';
  end if;`
      : ''
  }
  return new;
end $$;`;

/**
 * Two follow-ups on what the database itself holds to:
 * - Free text that may carry health information is no longer kept (the Danish CSV absence remark,
 *   the Ed-Fi absence reason); rows stored before that are cleared here, so the rule holds for
 *   data already in the hub, not only for data to come.
 * - A consent's provisions cannot be deleted while the consent exists (deleting a deny widens
 *   access as surely as rewriting it), and a consent that has left `active` never returns to it
 *   (a new consent is granted instead). Deleting a child still takes its consents with it.
 */
export class Migration20261124080000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`update attendance_day d set note = null from source_system s where s.id = d.source_system_id and s.kind = 'csv' and d.note is not null;`);
    this.addSql(
      `update quarantined_record q set redacted_payload = q.redacted_payload - 'attendanceEventReason'
       from source_system s where s.id = q.source_system_id and s.kind = 'edfi' and jsonb_typeof(q.redacted_payload) = 'object' and q.redacted_payload ? 'attendanceEventReason';`,
    );
    this.addSql(termsUnchanged(true));
    this.addSql(`create function consent_provision_kept() returns trigger language plpgsql as $$
begin
  -- Within a cascade from its consent (a child deleted) the consent row is already gone.
  if exists (select 1 from consent c where c.id = old.consent_id) then
    raise exception 'consent provisions are never deleted while their consent exists; withdraw the consent or grant one that supersedes it' using errcode = 'integrity_constraint_violation';
  end if;
  return old;
end $$;`);
    this.addSql(`create trigger consent_provision_kept before delete on consent_provision for each row execute function consent_provision_kept();`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger if exists consent_provision_kept on consent_provision;`);
    this.addSql(`drop function if exists consent_provision_kept();`);
    // consent_terms_unchanged as Migration20261124060000 made it (no check on re-activation).
    this.addSql(termsUnchanged(false));
  }
}

import { Migration } from '@mikro-orm/migrations';

/** The columns of a consent that state its terms: never rewritten, whoever connects. */
const TERMS = ['id', 'municipality_id', 'grantor_kind', 'legal_basis', 'evidence_ref', 'valid_from', 'valid_to', 'supersedes_id', 'created_by', 'created_at'];

/**
 * Consent is never updated in place (DOMAIN.md): a change is a new consent that supersedes the
 * old one, and the history is consent_event. The database holds to it as it does for the
 * access log: a consent row may change only its status (withdrawn, superseded, suspended by a
 * merge), its child (moved by mergeChildren) and lose its grantor when that custody holder
 * record is deleted (the foreign key's SET NULL); provisions never change.
 */
export class Migration20261124060000 extends Migration {
  override async up(): Promise<void> {
    const row = (r: string) => `(${TERMS.map((c) => `${r}.${c}`).join(', ')})`;
    this.addSql(`create function consent_terms_unchanged() returns trigger language plpgsql as $$
begin
  if ${row('new')} is distinct from ${row('old')}
     or (new.grantor_custody_holder_id is not null and new.grantor_custody_holder_id is distinct from old.grantor_custody_holder_id) then
    raise exception 'consent % : its terms are never changed; grant a new consent that supersedes it', old.id using errcode = 'integrity_constraint_violation';
  end if;
  return new;
end $$;`);
    this.addSql(`create trigger consent_terms_unchanged before update on consent for each row execute function consent_terms_unchanged();`);
    this.addSql(`create function consent_provision_unchanged() returns trigger language plpgsql as $$
begin
  raise exception 'consent provisions are never changed; grant a new consent that supersedes it' using errcode = 'integrity_constraint_violation';
end $$;`);
    this.addSql(`create trigger consent_provision_unchanged before update on consent_provision for each row execute function consent_provision_unchanged();`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger if exists consent_provision_unchanged on consent_provision;`);
    this.addSql(`drop function if exists consent_provision_unchanged();`);
    this.addSql(`drop trigger if exists consent_terms_unchanged on consent;`);
    this.addSql(`drop function if exists consent_terms_unchanged();`);
  }
}

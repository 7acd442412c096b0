import { Migration } from '@mikro-orm/migrations';

export class Migration20261123190000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "quarantined_record" add column "resolved_by" text null, add column "resolution_note" text null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "quarantined_record" drop column "resolved_by", drop column "resolution_note";`);
  }
}

import { Migration } from '@mikro-orm/migrations';

export class Migration20261123231000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "sync_run" add column "sweeps_unseen" boolean not null default true;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "sync_run" drop column "sweeps_unseen";`);
  }
}

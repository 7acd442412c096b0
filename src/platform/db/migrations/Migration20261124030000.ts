import { Migration } from '@mikro-orm/migrations';

/**
 * A requested full resync is remembered on its source until a full pass that began after the
 * request succeeds: a scheduled or triggered FULL that meets a queued or running incremental
 * sync (one sync per source at a time) is no longer lost with the deduplicated job.
 */
export class Migration20261124030000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "source_system" add column "full_sync_requested_at" timestamptz null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "source_system" drop column "full_sync_requested_at";`);
  }
}

import { Migration } from '@mikro-orm/migrations';

/**
 * A merge is a decision like any identity decision: who made it and when stays with the merged
 * child's tombstone (identity links keep decided_by/decided_at the same way), not only in the
 * access log, whose events are deleted after the retention period.
 */
export class Migration20261124070000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "child" add column "merged_by" text null, add column "merged_at" timestamptz null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "child" drop column "merged_by", drop column "merged_at";`);
  }
}

import { Migration } from '@mikro-orm/migrations';

export class Migration20261124010000 extends Migration {
  override async up(): Promise<void> {
    // The retention job deletes the oldest access-log events first.
    this.addSql(`create index "audit_event_occurred_at_index" on "audit_event" ("occurred_at");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists "audit_event_occurred_at_index";`);
  }
}

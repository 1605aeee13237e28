import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";

export interface StoredNotification {
	id: string;
	kind: string;
	order_id: string | null;
	emailed_at: number | null;
}

/** The notifications a user's Account object holds, oldest first (none before it has any). */
export function notificationsOf(userId: number): Promise<StoredNotification[]> {
	return runInDurableObject(env.ACCOUNT.getByName(String(userId)), (_account, state) => {
		const { sql } = state.storage;
		const exists = sql
			.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'notifications'")
			.toArray();
		if (exists.length === 0) return [];
		return sql
			.exec<StoredNotification & Record<string, SqlStorageValue>>(
				"SELECT id, kind, order_id, emailed_at FROM notifications ORDER BY seq",
			)
			.toArray();
	});
}

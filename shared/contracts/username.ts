/**
 * The form usernames are compared in (case and width folded), wherever they
 * are compared: uniqueness and login in the user worker, the login rate
 * limit in the gateway.
 */
export function usernameKey(username: string): string {
	return username.normalize("NFKC").toLowerCase();
}

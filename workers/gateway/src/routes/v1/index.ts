import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { authRoutes } from "./auth";
import { notificationRoutes } from "./notifications";
import { orderRoutes } from "./orders";
import { meRoutes, userRoutes } from "./users";

/** API v1, mounted at /api/v1. */
export const v1Routes = new OpenAPIHono<AppEnv>()
	.route("/", userRoutes)
	.route("/", meRoutes)
	.route("/", authRoutes)
	.route("/", orderRoutes)
	.route("/", notificationRoutes);

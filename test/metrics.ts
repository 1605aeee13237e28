import { vi } from "vitest";

/** A METRICS binding that keeps what is written to it, for tests to read. */
export function spyMetrics() {
	const writeDataPoint = vi.fn<AnalyticsEngineDataset["writeDataPoint"]>();
	const points = () => writeDataPoint.mock.calls.map(([point]) => point);
	return { dataset: { writeDataPoint } satisfies AnalyticsEngineDataset, points };
}

/** A METRICS binding that fails every write, as an outage of Analytics Engine would. */
export function failingMetrics(): AnalyticsEngineDataset {
	return {
		writeDataPoint: () => {
			throw new Error("Analytics Engine unavailable");
		},
	};
}

package io.tern.daemon.server;

import java.time.Duration;

/**
 * The daemon-wide settings of the process runtime, one value per Wings configuration key, passed to
 * every {@link ManagedServer} and the {@link StatsSampler}. Immutable.
 *
 * @param websocketLogCount        {@code system.websocket_log_count}: console lines kept for {@code send logs}.
 * @param throttleLines            {@code throttles.lines}: console lines published per throttle window.
 * @param throttleResetMillis      {@code throttles.line_reset_interval}: throttle window length in ms.
 * @param diskCheckIntervalSeconds {@code system.disk_check_interval}: how long a measured {@code disk_bytes}
 *                                 is reused; 0 disables measuring ({@code disk_bytes} stays 0).
 * @param stopTimeout              how long {@code stop} waits for the process tree to exit before SIGKILL.
 * @param statsInterval            how often running servers are sampled and {@code stats} published.
 * @param crashDetectionEnabled    {@code system.crash_detection.enabled}: restart a server whose process exits on its own.
 * @param detectCleanExitAsCrash   {@code system.crash_detection.detect_clean_exit_as_crash}: treat exit code 0 as a crash.
 * @param crashTimeoutSeconds      {@code system.crash_detection.timeout}: no automatic restart when the previous
 *                                 crash was less than this ago; 0 always restarts.
 */
public record RuntimeSettings(
    int websocketLogCount,
    int throttleLines,
    long throttleResetMillis,
    long diskCheckIntervalSeconds,
    Duration stopTimeout,
    Duration statsInterval,
    boolean crashDetectionEnabled,
    boolean detectCleanExitAsCrash,
    long crashTimeoutSeconds)
{
    /** Lines replayed by {@code send logs} (Wings default). */
    public static final int DEFAULT_WEBSOCKET_LOG_COUNT = 150;
    /** Console lines per throttle window (Wings default). */
    public static final int DEFAULT_THROTTLE_LINES = 2000;
    /** Throttle window in milliseconds (Wings default). */
    public static final long DEFAULT_THROTTLE_RESET_MILLIS = 100;
    /** Disk usage cache in seconds (Wings default). */
    public static final long DEFAULT_DISK_CHECK_INTERVAL_SECONDS = 150;
    /** Graceful stop budget before SIGKILL (Wings' power action budget). */
    public static final Duration DEFAULT_STOP_TIMEOUT = Duration.ofMinutes(10);
    /** Stats sampling period (Wings polls Docker stats once a second). */
    public static final Duration DEFAULT_STATS_INTERVAL = Duration.ofSeconds(1);
    /** Crash detection on (Wings default). */
    public static final boolean DEFAULT_CRASH_DETECTION_ENABLED = true;
    /** A clean exit of a running server counts as a crash (Wings default). */
    public static final boolean DEFAULT_DETECT_CLEAN_EXIT_AS_CRASH = true;
    /** Minimum seconds between automatic restarts (Wings default). */
    public static final long DEFAULT_CRASH_TIMEOUT_SECONDS = 60;

    /**
     * Validates the values.
     */
    public RuntimeSettings
    {
        if (websocketLogCount < 0 || throttleLines < 1 || throttleResetMillis < 0 || diskCheckIntervalSeconds < 0 ||
            crashTimeoutSeconds < 0)
        {
            throw new IllegalArgumentException("runtime settings out of range: " + websocketLogCount + " log lines, " +
                throttleLines + " throttle lines, " + throttleResetMillis + " ms throttle window, " +
                diskCheckIntervalSeconds + " s disk check interval, " + crashTimeoutSeconds + " s crash timeout");
        }
        if (stopTimeout == null || stopTimeout.isNegative() || statsInterval == null || statsInterval.isZero() ||
            statsInterval.isNegative())
        {
            throw new IllegalArgumentException(
                "stop timeout must be >= 0 and stats interval > 0, got " + stopTimeout + " and " + statsInterval);
        }
    }

    /**
     * @return the Wings defaults.
     */
    public static RuntimeSettings defaults()
    {
        return new RuntimeSettings(
            DEFAULT_WEBSOCKET_LOG_COUNT,
            DEFAULT_THROTTLE_LINES,
            DEFAULT_THROTTLE_RESET_MILLIS,
            DEFAULT_DISK_CHECK_INTERVAL_SECONDS,
            DEFAULT_STOP_TIMEOUT,
            DEFAULT_STATS_INTERVAL,
            DEFAULT_CRASH_DETECTION_ENABLED,
            DEFAULT_DETECT_CLEAN_EXIT_AS_CRASH,
            DEFAULT_CRASH_TIMEOUT_SECONDS);
    }
}

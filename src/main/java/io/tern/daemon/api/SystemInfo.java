package io.tern.daemon.api;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The body of {@code GET /api/system}: Wings' {@code version}, {@code kernel_version},
 * {@code architecture} (Go's names: {@code amd64}, {@code arm64}), {@code os} and
 * {@code cpu_count}, plus the host's {@code memory_bytes} and the daemon's {@code uptime_seconds}.
 * The version is the jar manifest's {@code Implementation-Version}, or {@code dev} when run from
 * classes. Any thread; allocates.
 */
final class SystemInfo
{
    private SystemInfo()
    {
    }

    /**
     * @param uptimeSeconds how long the daemon has been running.
     * @return the body, as plain maps for {@link JsonWriter}.
     */
    static Map<String, Object> of(final long uptimeSeconds)
    {
        final Map<String, Object> info = new LinkedHashMap<>();
        info.put("version", version());
        info.put("kernel_version", System.getProperty("os.version", ""));
        info.put("architecture", architecture(System.getProperty("os.arch", "")));
        info.put("os", System.getProperty("os.name", "").toLowerCase(Locale.ROOT));
        info.put("cpu_count", Runtime.getRuntime().availableProcessors());
        info.put("memory_bytes", memoryBytes());
        info.put("uptime_seconds", Math.max(0, uptimeSeconds));
        return info;
    }

    private static String version()
    {
        final String version = SystemInfo.class.getPackage().getImplementationVersion();
        return version == null ? "dev" : version;
    }

    /** Java's {@code os.arch} in Go's {@code GOARCH} spelling, which panels display for Wings. */
    static String architecture(final String javaArch)
    {
        switch (javaArch)
        {
            case "amd64":
            case "x86_64":
                return "amd64";
            case "aarch64":
                return "arm64";
            case "x86":
            case "i386":
            case "i686":
                return "386";
            default:
                return javaArch;
        }
    }

    private static long memoryBytes()
    {
        final OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean)
        {
            return ((com.sun.management.OperatingSystemMXBean)os).getTotalMemorySize();
        }
        return 0;
    }
}

package io.tern.benchmarks.load;

import io.tern.daemon.bench.LineGenerator;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.UUID;

/**
 * Writes a daemon config for a {@link LoadGenerator} run: M servers with fixed uuids, the line
 * source, a per-server connection cap high enough for the run, any origin allowed. Then the run is
 * two commands: the daemon with this config, and the load generator with the same config.
 *
 * <ul>
 *     <li>{@code --source synthetic} (default): {@code bench.line_source_rate: R}; the servers stay
 *     offline and their invocation is never run. {@code --rate 0} gives idle sessions.</li>
 *     <li>{@code --source process}: each server's invocation is {@code io.tern.daemon.bench.LineGenerator R}
 *     from the daemon jar; start them with the load generator's {@code --start-servers}.</li>
 * </ul>
 */
public final class LoadConfig
{
    private static final List<String> FLAGS = List.of("help");
    private static final List<String> OPTIONS = List.of("out", "servers", "rate", "source", "port", "host", "data", "jar", "java",
        "max-connections-per-server", "token");
    private static final String ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    private LoadConfig()
    {
    }

    /**
     * @param args see {@code --help}.
     * @throws IOException when the file cannot be written.
     */
    public static void main(final String[] args) throws IOException
    {
        final LoadOptions options;
        try
        {
            options = LoadOptions.parse(args, FLAGS, OPTIONS);
            if (options.has("help") || !options.has("out"))
            {
                System.out.println(String.join("\n",
                    "usage: java -cp benchmarks/target/benchmarks.jar io.tern.benchmarks.load.LoadConfig --out FILE [options]",
                    "",
                    "  --out FILE                       the config file to write",
                    "  --servers M                      servers (default 40); uuids are fixed: uuid3(\"tern-load-<i>\")",
                    "  --rate R                         console lines/s per server (default 5; 0 = idle)",
                    "  --source synthetic|process|perl  bench.line_source_rate in the daemon (default), or one",
                    "                                   io.tern.daemon.bench.LineGenerator process per server, or one",
                    "                                   Perl process printing the same lines (light: for hundreds of servers)",
                    "  --port P / --host H              api.port (default 8080) / api.host (default 127.0.0.1)",
                    "  --data DIR                       system.data (default /tmp/tern-load/volumes)",
                    "  --jar FILE                       the daemon jar for LineGenerator (default src/target/tern.jar)",
                    "  --java FILE                      java for LineGenerator (default: this JVM's)",
                    "  --max-connections-per-server N   websocket.max_connections_per_server (default 20000)",
                    "  --token T                        the node token (default: 64 random characters)"));
                return;
            }
            write(options);
        }
        catch (final IllegalArgumentException ex)
        {
            System.err.println("load config: " + ex.getMessage());
            System.exit(2);
        }
    }

    private static void write(final LoadOptions options) throws IOException
    {
        final Path out = Path.of(options.string("out", "")).toAbsolutePath();
        final int servers = options.integer("servers", 40);
        final double rate = options.number("rate", 5);
        final String source = options.string("source", "synthetic");
        if (!source.equals("synthetic") && !source.equals("process") && !source.equals("perl"))
        {
            throw new IllegalArgumentException("--source must be synthetic, process or perl, not " + source);
        }
        if (servers < 1 || rate < 0)
        {
            throw new IllegalArgumentException("--servers must be >= 1 and --rate >= 0");
        }
        if (source.equals("synthetic") && rate != Math.rint(rate))
        {
            throw new IllegalArgumentException("bench.line_source_rate is a whole number of lines/s");
        }
        if (!source.equals("synthetic") && rate <= 0)
        {
            throw new IllegalArgumentException("--source " + source + " needs --rate > 0");
        }
        final String token = options.string("token", randomToken());
        final String jar = Path.of(options.string("jar", "src/target/tern.jar")).toAbsolutePath().normalize().toString();
        if (source.equals("process") && !Files.isRegularFile(Path.of(jar)))
        {
            throw new IllegalArgumentException("no daemon jar at " + jar + " (build it, or give --jar)");
        }
        final String java = options.string("java", ProcessHandle.current().info().command()
            .orElse(System.getProperty("java.home") + "/bin/java"));
        final StringBuilder yaml = new StringBuilder()
            .append("# Written by io.tern.benchmarks.load.LoadConfig: ").append(servers).append(" servers, ")
            .append(rate).append(" lines/s each, source ").append(source).append('\n')
            .append("token: ").append(token).append('\n')
            .append("allowed_origins: ['*']\n")
            .append("api:\n  host: ").append(options.string("host", "127.0.0.1")).append("\n  port: ")
            .append(options.integer("port", 8080)).append('\n')
            .append("system:\n  data: ").append(Path.of(options.string("data", "/tmp/tern-load/volumes")).toAbsolutePath()).append('\n')
            .append("  disk_check_interval: 0\n")
            .append("  crash_detection:\n    enabled: false\n")
            .append("websocket:\n  max_connections_per_server: ").append(options.integer("max-connections-per-server", 20000)).append('\n');
        if (source.equals("synthetic") && rate > 0)
        {
            yaml.append("bench:\n  line_source_rate: ").append((long)rate).append('\n');
        }
        final String invocation = source.equals("process")
            ? LineGenerator.invocation(java, jar, rate)
            : source.equals("perl")
            ? perlInvocation(rate)
            : "exec sleep 2147483647";
        yaml.append("servers:\n");
        for (int i = 0; i < servers; i++)
        {
            yaml.append("  - uuid: ").append(uuid(i)).append("\n    invocation: '").append(invocation.replace("'", "''")).append("'\n");
        }
        Files.createDirectories(out.getParent());
        Files.writeString(out, yaml.toString(), StandardCharsets.UTF_8);
        System.out.println("wrote " + out + ": " + servers + " servers, " + rate + " lines/s each, source " + source);
        System.out.println("run:");
        System.out.println("  java -XX:AutoBoxCacheMax=65536 -jar src/target/tern.jar --config " + out + " --profile high-density");
        System.out.println("  java -XX:AutoBoxCacheMax=65536 -cp benchmarks/target/benchmarks.jar io.tern.benchmarks.load.LoadGenerator"
            + " --config " + out + " --sessions " + servers * 25 + (source.equals("process") ? " --start-servers" : "")
            + " --duration 30s");
    }

    /**
     * @param index the server's index.
     * @return the fixed uuid of the index-th load server.
     */
    static String uuid(final int index)
    {
        return UUID.nameUUIDFromBytes(("tern-load-" + index).getBytes(StandardCharsets.UTF_8)).toString();
    }

    private static String randomToken()
    {
        final SecureRandom random = new SecureRandom();
        final StringBuilder token = new StringBuilder(64);
        for (int i = 0; i < 64; i++)
        {
            token.append(ALPHANUMERIC.charAt(random.nextInt(ALPHANUMERIC.length())));
        }
        return token.toString();
    }

    /**
     * A {@link io.tern.daemon.bench.BenchLine} generator in a few lines of Perl (part of every
     * Debian system): the same lines and schedule as {@code LineGenerator}, for runs with hundreds
     * of server processes, where a JVM per server would itself take most of a 2-core machine
     * (400 LineGenerator JVMs used about 1.4 cores). Each process starts its schedule at a random
     * point of its first interval, as unrelated game servers would: started together with one
     * phase, 400 servers print in the same millisecond and every line interval begins with a burst
     * of 25 deliveries per server.
     */
    static String perlInvocation(final double rate)
    {
        final String script = "use Time::HiRes qw(clock_gettime CLOCK_REALTIME CLOCK_MONOTONIC sleep); $|=1;"
            + " my $r=$ARGV[1]; my $p=\"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnopqrstuvwxyz\";"
            + " my $s=clock_gettime(CLOCK_MONOTONIC)+rand(1/$r); my $n=0;"
            + " while (1) { my $d=$s+$n/$r-clock_gettime(CLOCK_MONOTONIC); sleep($d) if $d>0;"
            + " my $l=sprintf(\"seq=%d t=%.0f \", $n, clock_gettime(CLOCK_REALTIME)*1e9);"
            + " $l.=substr($p, 0, length($l) < 79 ? 80-length($l) : 1); print $l, \"\\n\"; $n++ }";
        return "exec perl -e '" + script + "' BenchLines " + (rate == Math.rint(rate) ? Long.toString((long)rate) : Double.toString(rate));
    }
}

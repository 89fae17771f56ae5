package io.tern.benchmarks;

import io.tern.daemon.token.TokenMinter;
import io.tern.engine.auth.Denylist;
import io.tern.engine.auth.TokenException;
import io.tern.engine.auth.TokenVerifier;
import io.tern.engine.auth.VerifiedToken;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Full {@code auth} verification of a panel-shaped token (HS256, every §3.2 check, the denylists
 * and the server uuid). {@code auth} is rate limited to 2 per 5 s per connection, so it may
 * allocate; {@code -prof gc} says how much.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class JwtBenchmark
{
    private static final String SERVER = "0b7e3d8a-1111-4222-8333-444455556666";
    private TokenVerifier verifier;
    private String jwt;
    private long nowNanos;

    @Setup
    public void setUp()
    {
        final byte[] key = "benchmark-node-token-0123456789ab".getBytes(StandardCharsets.UTF_8);
        final long now = System.currentTimeMillis() / 1000;
        verifier = new TokenVerifier(key, false, new Denylist(now - 10));
        jwt = new TokenMinter(key, "https://panel.example.com")
            .mint(SERVER, "7a1c4b2e-0000-4000-8000-000000000001", List.of("*"), now, Duration.ofMinutes(10));
        nowNanos = now * 1_000_000_000L;
    }

    @Benchmark
    public VerifiedToken verify() throws TokenException
    {
        return verifier.verifyForServer(jwt, SERVER, nowNanos);
    }
}

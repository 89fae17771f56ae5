package io.tern.daemon.config;

import io.tern.engine.EngineConfig;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * A tuning profile from {@code perf/*.properties}: wait strategies, ring and buffer sizes, thread
 * counts and compression. A profile sets only the keys named by the constants below; anything else
 * is a {@link ConfigException}. Keys it leaves out keep their default (the engine's defaults in
 * {@link EngineConfig}, {@link #DEFAULT_IO_THREADS} and {@link #DEFAULT_BUFFER_SIZE}), so the
 * {@code balanced} profile is exactly the defaults. Immutable.
 */
public final class PerfProfile
{
    /** The profile used when {@code --profile} is not given. */
    public static final String DEFAULT_NAME = "balanced";
    /** Where named profiles live, relative to the working directory and on the classpath. */
    public static final String DIRECTORY = "perf";

    /** Inbound Disruptor ring slots, a power of two. */
    public static final String RING_SIZE = "engine.ring_size";
    /** Inbound handler wait strategy: blocking, sleeping, yielding or busy-spin. */
    public static final String WAIT_STRATEGY = "engine.wait_strategy";
    /** Fan-out agent idle strategy: backoff, sleeping, yielding or busy-spin. */
    public static final String FANOUT_IDLE = "engine.fanout_idle";
    /** Fan-out agents (threads that encode and write console lines); 0 means one per core, at most 4. */
    public static final String FANOUT_THREADS = "engine.fanout_threads";
    /** How often session timers are checked; a bare number is milliseconds. */
    public static final String TICK_INTERVAL = "engine.tick_interval";
    /** Bytes of each server's broadcast buffer, a power of two. */
    public static final String BROADCAST_CAPACITY = "engine.broadcast_capacity";
    /** Bytes queued for one slow session before its console lines are dropped. */
    public static final String OUTBOUND_BUDGET = "session.outbound_budget";
    /** Frames queued for one session at most, a power of two. */
    public static final String OUTBOUND_QUEUE = "session.outbound_queue";
    /** A session that cannot drain for this long is closed with 1013; a bare number is milliseconds. */
    public static final String WRITE_TIMEOUT = "session.write_timeout";
    /** The server pings every connection this often; a bare number is milliseconds. */
    public static final String PING_INTERVAL = "websocket.ping_interval";
    /** A peer that has answered no ping for this long is closed; a bare number is milliseconds. */
    public static final String PONG_TIMEOUT = "websocket.pong_timeout";
    /** Offer permessage-deflate; the YAML key of the same name, when set, wins over the profile. */
    public static final String COMPRESSION = "websocket.compression";
    /** Undertow IO threads. */
    public static final String IO_THREADS = "transport.io_threads";
    /** Bytes of each Undertow IO buffer. */
    public static final String BUFFER_SIZE = "transport.buffer_size";
    /** Kernel send buffer of each websocket (SO_SNDBUF); 0 leaves it to the kernel's autotuning. */
    public static final String SEND_BUFFER = "transport.send_buffer";

    /** Default {@link #IO_THREADS}: one per core. */
    public static final int DEFAULT_IO_THREADS = Runtime.getRuntime().availableProcessors();
    /** Default {@link #BUFFER_SIZE}. */
    public static final int DEFAULT_BUFFER_SIZE = 16 * 1024;
    /** Default {@link #SEND_BUFFER}. */
    public static final int DEFAULT_SEND_BUFFER = 128 * 1024;

    /** Every key a profile may set. */
    public static final List<String> KEYS = List.of(
        RING_SIZE, WAIT_STRATEGY, FANOUT_IDLE, FANOUT_THREADS, TICK_INTERVAL, BROADCAST_CAPACITY, OUTBOUND_BUDGET, OUTBOUND_QUEUE,
        WRITE_TIMEOUT, PING_INTERVAL, PONG_TIMEOUT, COMPRESSION, IO_THREADS, BUFFER_SIZE, SEND_BUFFER);

    private static final List<String> WAIT_STRATEGIES = List.of("blocking", "sleeping", "yielding", "busy-spin");
    private static final List<String> IDLE_STRATEGIES = List.of("backoff", "sleeping", "yielding", "busy-spin");
    private static final int MAX_POWER_OF_TWO = 1 << 30;
    private static final int MAX_IO_THREADS = 1024;
    private static final int MAX_FANOUT_THREADS = 64;

    private final String source;
    private final int ringSize;
    private final String waitStrategy;
    private final String fanoutIdle;
    private final int fanoutThreads;
    private final long tickIntervalMillis;
    private final int broadcastCapacity;
    private final int outboundBudgetBytes;
    private final int outboundQueueFrames;
    private final long writeTimeoutMillis;
    private final long pingIntervalMillis;
    private final long pongTimeoutMillis;
    private final Boolean compression;
    private final int ioThreads;
    private final int bufferSize;
    private final int sendBuffer;

    private PerfProfile(
        final String source, final EngineConfig engine, final Boolean compression, final int ioThreads, final int bufferSize,
        final int sendBuffer)
    {
        this.source = source;
        this.ringSize = engine.ringSize;
        this.waitStrategy = engine.waitStrategy;
        this.fanoutIdle = engine.fanoutIdle;
        this.fanoutThreads = engine.fanoutThreads;
        this.tickIntervalMillis = engine.tickIntervalMillis;
        this.broadcastCapacity = engine.broadcastCapacity;
        this.outboundBudgetBytes = engine.outboundBudgetBytes;
        this.outboundQueueFrames = engine.outboundQueueFrames;
        this.writeTimeoutMillis = engine.writeTimeoutMillis;
        this.pingIntervalMillis = engine.pingIntervalMillis;
        this.pongTimeoutMillis = engine.pongTimeoutMillis;
        this.compression = compression;
        this.ioThreads = ioThreads;
        this.bufferSize = bufferSize;
        this.sendBuffer = sendBuffer;
    }

    /**
     * @return the built-in defaults, identical to the {@code balanced} profile.
     */
    public static PerfProfile defaults()
    {
        return new PerfProfile(
            "built-in defaults", new EngineConfig(), null, DEFAULT_IO_THREADS, DEFAULT_BUFFER_SIZE, DEFAULT_SEND_BUFFER);
    }

    /**
     * Loads the profile given to {@code --profile}, resolved against the process's working
     * directory and this class's class loader; see {@link #load(String, Path, ClassLoader)}.
     *
     * @param nameOrPath a profile name such as {@code low-latency}, or a path to a properties file.
     * @return the validated profile.
     * @throws ConfigException if it cannot be found, read, or has an unknown key or a bad value.
     */
    public static PerfProfile load(final String nameOrPath) throws ConfigException
    {
        return load(nameOrPath, Path.of(""), PerfProfile.class.getClassLoader());
    }

    /**
     * Loads a profile. An argument containing a path separator or ending in {@code .properties} is
     * a file path. Otherwise it is a name: {@code perf/NAME.properties} under
     * {@code workingDirectory}, else the resource {@code perf/NAME.properties} of
     * {@code classLoader} (the jar). The name {@value #DEFAULT_NAME} falls back to
     * {@link #defaults()} when neither exists.
     *
     * @param nameOrPath       a profile name or a path.
     * @param workingDirectory where {@code perf/} is looked for first.
     * @param classLoader      where {@code perf/} is looked for second.
     * @return the validated profile.
     * @throws ConfigException if it cannot be found, read, or has an unknown key or a bad value.
     */
    public static PerfProfile load(final String nameOrPath, final Path workingDirectory, final ClassLoader classLoader)
        throws ConfigException
    {
        if (nameOrPath.isBlank())
        {
            throw new ConfigException("profile \"\"", "a profile name or path must not be empty");
        }
        if (isPath(nameOrPath))
        {
            return loadFile(workingDirectory.resolve(nameOrPath));
        }
        final String relative = DIRECTORY + "/" + nameOrPath + ".properties";
        final Path file = workingDirectory.resolve(relative);
        if (Files.isRegularFile(file))
        {
            return loadFile(file);
        }
        final String resourceSource = "classpath:" + relative;
        try (InputStream resource = classLoader.getResourceAsStream(relative))
        {
            if (resource != null)
            {
                return parse(resourceSource, new InputStreamReader(resource, StandardCharsets.UTF_8));
            }
        }
        catch (final IOException ex)
        {
            throw new ConfigException(resourceSource, "cannot be read: " + ex.getMessage());
        }
        if (DEFAULT_NAME.equals(nameOrPath))
        {
            return defaults();
        }
        throw new ConfigException(
            "profile \"" + nameOrPath + "\"",
            "not found as " + file.toAbsolutePath().normalize() + " nor as resource " + relative +
            "; give a name from perf/ (balanced, low-latency, high-density) or a path to a .properties file");
    }

    /**
     * Parses profile text.
     *
     * @param source named in error messages and by {@link #source()}.
     * @param reader the properties text; read to its end, not closed.
     * @return the validated profile.
     * @throws ConfigException on an unknown key, a bad value, or a read error.
     */
    public static PerfProfile parse(final String source, final Reader reader) throws ConfigException
    {
        final Properties properties = new Properties();
        try
        {
            properties.load(reader);
        }
        catch (final IOException | IllegalArgumentException ex)
        {
            throw new ConfigException(source, "cannot be read: " + ex.getMessage());
        }

        final EngineConfig engine = new EngineConfig();
        Boolean compression = null;
        int ioThreads = DEFAULT_IO_THREADS;
        int bufferSize = DEFAULT_BUFFER_SIZE;
        int sendBuffer = DEFAULT_SEND_BUFFER;
        for (final String key : new TreeSet<>(properties.stringPropertyNames()))
        {
            final String value = properties.getProperty(key).trim();
            switch (key)
            {
                case RING_SIZE:
                    engine.ringSize = powerOfTwo(source, key, value, false);
                    break;
                case WAIT_STRATEGY:
                    engine.waitStrategy = oneOf(source, key, value, WAIT_STRATEGIES);
                    break;
                case FANOUT_IDLE:
                    engine.fanoutIdle = oneOf(source, key, value, IDLE_STRATEGIES);
                    break;
                case FANOUT_THREADS:
                    engine.fanoutThreads = (int)wholeNumber(source, key, value, 0, MAX_FANOUT_THREADS);
                    break;
                case TICK_INTERVAL:
                    engine.tickIntervalMillis = positiveMillis(source, key, value);
                    break;
                case BROADCAST_CAPACITY:
                    engine.broadcastCapacity = powerOfTwo(source, key, value, true);
                    break;
                case OUTBOUND_BUDGET:
                    engine.outboundBudgetBytes = positiveBytes(source, key, value);
                    break;
                case OUTBOUND_QUEUE:
                    engine.outboundQueueFrames = powerOfTwo(source, key, value, false);
                    break;
                case WRITE_TIMEOUT:
                    engine.writeTimeoutMillis = positiveMillis(source, key, value);
                    break;
                case PING_INTERVAL:
                    engine.pingIntervalMillis = positiveMillis(source, key, value);
                    break;
                case PONG_TIMEOUT:
                    engine.pongTimeoutMillis = positiveMillis(source, key, value);
                    break;
                case COMPRESSION:
                    compression = bool(source, key, value);
                    break;
                case IO_THREADS:
                    ioThreads = (int)wholeNumber(source, key, value, 1, MAX_IO_THREADS);
                    break;
                case BUFFER_SIZE:
                    bufferSize = positiveBytes(source, key, value);
                    break;
                case SEND_BUFFER:
                    sendBuffer = (int)Math.min(Integer.MAX_VALUE, size(source, key, value));
                    break;
                default:
                    throw new ConfigException(source, "unknown key " + key + "; a profile may set only " + String.join(", ", KEYS));
            }
        }
        if (engine.pongTimeoutMillis < engine.pingIntervalMillis)
        {
            throw new ConfigException(source,
                PONG_TIMEOUT + " (" + DurationFormat.format(engine.pongTimeoutMillis) + ") must be at least " +
                PING_INTERVAL + " (" + DurationFormat.format(engine.pingIntervalMillis) + ")");
        }
        return new PerfProfile(source, engine, compression, ioThreads, bufferSize, sendBuffer);
    }

    /**
     * Copies the engine tunables of this profile into {@code engine}; the YAML-owned fields
     * ({@code appName}, {@code requireScope}, timeouts, connection cap) are left alone.
     *
     * @param engine the config to fill.
     */
    public void applyTo(final EngineConfig engine)
    {
        engine.ringSize = ringSize;
        engine.waitStrategy = waitStrategy;
        engine.fanoutIdle = fanoutIdle;
        engine.fanoutThreads = fanoutThreads;
        engine.tickIntervalMillis = tickIntervalMillis;
        engine.broadcastCapacity = broadcastCapacity;
        engine.outboundBudgetBytes = outboundBudgetBytes;
        engine.outboundQueueFrames = outboundQueueFrames;
        engine.writeTimeoutMillis = writeTimeoutMillis;
        engine.pingIntervalMillis = pingIntervalMillis;
        engine.pongTimeoutMillis = pongTimeoutMillis;
    }

    /**
     * @return where the profile came from: a file path, {@code classpath:perf/NAME.properties}, or
     *         {@code built-in defaults}.
     */
    public String source()
    {
        return source;
    }

    /**
     * @return {@value #RING_SIZE}.
     */
    public int ringSize()
    {
        return ringSize;
    }

    /**
     * @return {@value #WAIT_STRATEGY}.
     */
    public String waitStrategy()
    {
        return waitStrategy;
    }

    /**
     * @return {@value #FANOUT_IDLE}.
     */
    public String fanoutIdle()
    {
        return fanoutIdle;
    }

    /**
     * @return {@value #FANOUT_THREADS} (0: one per core, at most 4).
     */
    public int fanoutThreads()
    {
        return fanoutThreads;
    }

    /**
     * @return {@value #TICK_INTERVAL} in milliseconds.
     */
    public long tickIntervalMillis()
    {
        return tickIntervalMillis;
    }

    /**
     * @return {@value #BROADCAST_CAPACITY} in bytes.
     */
    public int broadcastCapacity()
    {
        return broadcastCapacity;
    }

    /**
     * @return {@value #OUTBOUND_BUDGET} in bytes.
     */
    public int outboundBudgetBytes()
    {
        return outboundBudgetBytes;
    }

    /**
     * @return {@value #OUTBOUND_QUEUE} in frames.
     */
    public int outboundQueueFrames()
    {
        return outboundQueueFrames;
    }

    /**
     * @return {@value #WRITE_TIMEOUT} in milliseconds.
     */
    public long writeTimeoutMillis()
    {
        return writeTimeoutMillis;
    }

    /**
     * @return {@value #PING_INTERVAL} in milliseconds.
     */
    public long pingIntervalMillis()
    {
        return pingIntervalMillis;
    }

    /**
     * @return {@value #PONG_TIMEOUT} in milliseconds.
     */
    public long pongTimeoutMillis()
    {
        return pongTimeoutMillis;
    }

    /**
     * @return {@value #COMPRESSION} as set by the profile, or null when the profile leaves it to the YAML.
     */
    public Boolean compression()
    {
        return compression;
    }

    /**
     * @return {@value #IO_THREADS}.
     */
    public int ioThreads()
    {
        return ioThreads;
    }

    /**
     * @return {@value #BUFFER_SIZE} in bytes.
     */
    public int bufferSize()
    {
        return bufferSize;
    }

    /**
     * @return {@value #SEND_BUFFER} in bytes; 0 leaves it to the kernel.
     */
    public int sendBuffer()
    {
        return sendBuffer;
    }

    /**
     * @return every value, one {@code key=value} per entry, for the startup log.
     */
    @Override
    public String toString()
    {
        return "PerfProfile{source=" + source +
            ", " + RING_SIZE + "=" + ringSize +
            ", " + WAIT_STRATEGY + "=" + waitStrategy +
            ", " + FANOUT_IDLE + "=" + fanoutIdle +
            ", " + FANOUT_THREADS + "=" + fanoutThreads +
            ", " + TICK_INTERVAL + "=" + DurationFormat.format(tickIntervalMillis) +
            ", " + BROADCAST_CAPACITY + "=" + ByteSizeFormat.format(broadcastCapacity) +
            ", " + OUTBOUND_BUDGET + "=" + ByteSizeFormat.format(outboundBudgetBytes) +
            ", " + OUTBOUND_QUEUE + "=" + outboundQueueFrames +
            ", " + WRITE_TIMEOUT + "=" + DurationFormat.format(writeTimeoutMillis) +
            ", " + PING_INTERVAL + "=" + DurationFormat.format(pingIntervalMillis) +
            ", " + PONG_TIMEOUT + "=" + DurationFormat.format(pongTimeoutMillis) +
            ", " + COMPRESSION + "=" + (compression == null ? "(from YAML)" : compression) +
            ", " + IO_THREADS + "=" + ioThreads +
            ", " + BUFFER_SIZE + "=" + ByteSizeFormat.format(bufferSize) +
            ", " + SEND_BUFFER + "=" + ByteSizeFormat.format(sendBuffer) + "}";
    }

    private static boolean isPath(final String nameOrPath)
    {
        return nameOrPath.indexOf('/') >= 0 || nameOrPath.indexOf('\\') >= 0 || nameOrPath.endsWith(".properties");
    }

    private static PerfProfile loadFile(final Path file) throws ConfigException
    {
        final String source = file.toString();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8))
        {
            return parse(source, reader);
        }
        catch (final NoSuchFileException ex)
        {
            throw new ConfigException(source, "file not found");
        }
        catch (final IOException ex)
        {
            throw new ConfigException(source, "cannot be read: " + ex);
        }
    }

    private static long wholeNumber(final String source, final String key, final String value, final long min, final long max)
        throws ConfigException
    {
        final long number;
        try
        {
            number = Long.parseLong(value);
        }
        catch (final NumberFormatException ex)
        {
            throw new ConfigException(source, key + " must be a whole number, not \"" + value + "\"");
        }
        if (number < min)
        {
            throw new ConfigException(source, key + " must be at least " + min + ", not " + number);
        }
        if (number > max)
        {
            throw new ConfigException(source, key + " must be at most " + max + ", not " + number);
        }
        return number;
    }

    private static int powerOfTwo(final String source, final String key, final String value, final boolean bytes)
        throws ConfigException
    {
        final long bytesOrCount = bytes ? size(source, key, value) : wholeNumber(source, key, value, 2, MAX_POWER_OF_TWO);
        if (bytesOrCount < 2 || bytesOrCount > MAX_POWER_OF_TWO || Long.bitCount(bytesOrCount) != 1)
        {
            throw new ConfigException(source, key + " must be a power of two between 2 and " + MAX_POWER_OF_TWO + ", not " + value);
        }
        return (int)bytesOrCount;
    }

    private static int positiveBytes(final String source, final String key, final String value) throws ConfigException
    {
        final long bytes = size(source, key, value);
        if (bytes < 1 || bytes > Integer.MAX_VALUE)
        {
            throw new ConfigException(source, key + " must be between 1 and " + Integer.MAX_VALUE + " bytes, not " + value);
        }
        return (int)bytes;
    }

    private static long size(final String source, final String key, final String value) throws ConfigException
    {
        try
        {
            return ByteSizeFormat.parse(value);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new ConfigException(source, key + " " + ex.getMessage());
        }
    }

    private static long positiveMillis(final String source, final String key, final String value) throws ConfigException
    {
        final long millis;
        try
        {
            millis = DurationFormat.parseMillis(value, TimeUnit.MILLISECONDS);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new ConfigException(source, key + " " + ex.getMessage());
        }
        if (millis < 1)
        {
            throw new ConfigException(source, key + " must be at least 1ms, not " + value);
        }
        return millis;
    }

    private static String oneOf(final String source, final String key, final String value, final List<String> allowed)
        throws ConfigException
    {
        if (!allowed.contains(value))
        {
            throw new ConfigException(source, key + " must be one of " + String.join(", ", allowed) + ", not \"" + value + "\"");
        }
        return value;
    }

    private static boolean bool(final String source, final String key, final String value) throws ConfigException
    {
        if ("true".equals(value))
        {
            return true;
        }
        if ("false".equals(value))
        {
            return false;
        }
        throw new ConfigException(source, key + " must be true or false, not \"" + value + "\"");
    }
}

package io.tern.daemon.config;

import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.common.FlowStyle;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes the live {@code servers:} list back into the config file the daemon was started with, so
 * servers created or changed through the admin API survive a restart. The file is read as a YAML
 * tree, only {@code servers} is replaced (every other key keeps its value and position), and the
 * result is written to a temporary file beside it and renamed over it atomically: a crash never
 * leaves a half-written config. Comments in the file are not kept.
 *
 * <p>Thread-safe: writes are serialized; each one re-reads the file, so keys an operator edited by
 * hand since startup are kept too.
 */
public final class ConfigWriter
{
    private static final String SERVERS = "servers";

    private final Path file;

    /**
     * @param file the config file ({@link DaemonConfig#source()}).
     */
    public ConfigWriter(final Path file)
    {
        this.file = file;
    }

    /**
     * @return the file this writer replaces.
     */
    public Path file()
    {
        return file;
    }

    /**
     * Replaces the file's {@code servers:} list with {@code servers}. Blocking file IO.
     *
     * @param servers every server, in the order to write them.
     * @throws IOException when the file cannot be read, is no longer a YAML mapping, or cannot be replaced;
     *                     the file is then unchanged.
     */
    public synchronized void writeServers(final List<ServerDefinition> servers) throws IOException
    {
        final Path target = file.toRealPath();
        final Map<Object, Object> root = readTree(target);
        final List<Map<String, Object>> entries = new ArrayList<>(servers.size());
        for (final ServerDefinition server : servers)
        {
            entries.add(entry(server));
        }
        root.put(SERVERS, entries);
        final String yaml = new Dump(DumpSettings.builder()
            .setDefaultFlowStyle(FlowStyle.BLOCK)
            .setIndent(2)
            .setIndicatorIndent(2)
            .setIndentWithIndicator(true)
            .setWidth(Integer.MAX_VALUE)
            .build()).dumpToString(root);
        replace(target, yaml);
    }

    /**
     * The {@code servers:} entry of a definition, with the config file's key names; also the
     * {@code configuration} object of the admin API. Plain maps and lists in key order.
     *
     * @param server the definition.
     * @return the entry; {@code install} only when the server has an install script.
     */
    public static Map<String, Object> entry(final ServerDefinition server)
    {
        final Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("uuid", server.uuid());
        entry.put("invocation", server.invocation());
        entry.put("environment", new LinkedHashMap<>(server.environment()));
        final Map<String, Object> stop = new LinkedHashMap<>();
        stop.put("type", server.stopType() == ServerDefinition.StopType.COMMAND ? "command" : "signal");
        stop.put("value", server.stopValue());
        entry.put("stop", stop);
        entry.put("done", new ArrayList<>(server.done()));
        entry.put("limits", new LinkedHashMap<>(Map.of("memory", server.memoryLimitMib())));
        entry.put("suspended", server.suspended());
        if (server.install() != null)
        {
            final Map<String, Object> install = new LinkedHashMap<>();
            install.put("script", server.install().script());
            install.put("interpreter", server.install().interpreter());
            entry.put("install", install);
        }
        return entry;
    }

    @SuppressWarnings("unchecked")
    private static Map<Object, Object> readTree(final Path target) throws IOException
    {
        final String text = Files.readString(target, StandardCharsets.UTF_8);
        final Object document;
        try
        {
            document = ConfigLoader.load(target.toString(), text);
        }
        catch (final ConfigException ex)
        {
            throw new IOException(ex.getMessage(), ex);
        }
        if (document == null)
        {
            return new LinkedHashMap<>();
        }
        if (!(document instanceof Map))
        {
            throw new IOException(target + " is no longer a YAML mapping; not overwriting it");
        }
        return (Map<Object, Object>)document;
    }

    /**
     * Writes beside the target with its permissions (the file may hold the node token), flushes it to
     * disk, then renames it over the target.
     */
    private static void replace(final Path target, final String yaml) throws IOException
    {
        final Path temporary = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp");
        try
        {
            final PosixFileAttributeView posix = Files.getFileAttributeView(target, PosixFileAttributeView.class);
            if (posix != null)
            {
                final Set<PosixFilePermission> permissions = posix.readAttributes().permissions();
                Files.setPosixFilePermissions(temporary, permissions);
            }
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING))
            {
                final ByteBuffer bytes = ByteBuffer.wrap(yaml.getBytes(StandardCharsets.UTF_8));
                while (bytes.hasRemaining())
                {
                    channel.write(bytes);
                }
                channel.force(true);
            }
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        finally
        {
            Files.deleteIfExists(temporary);
        }
    }
}

package io.tern.daemon.process;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DirectoryRemovalTest
{
    @TempDir
    Path root;

    @Test
    void removesNestedDirectoriesAndFiles() throws IOException
    {
        final Path server = root.resolve("server");
        Files.createDirectories(server.resolve("world/region"));
        Files.writeString(server.resolve("world/region/r.0.0.mca"), "chunk");
        Files.writeString(server.resolve("server.properties"), "motd=hi");
        Files.createDirectories(server.resolve("empty"));
        Files.writeString(server.resolve(".hidden"), "x");

        DirectoryRemoval.removeRecursively(server);

        assertFalse(Files.exists(server));
    }

    @Test
    void removesLinksWithoutFollowingThem() throws IOException
    {
        final Path outside = Files.createDirectories(root.resolve("outside"));
        final Path precious = Files.writeString(outside.resolve("precious.txt"), "keep me");
        final Path server = Files.createDirectories(root.resolve("server"));
        Files.createDirectories(server.resolve("nested"));
        Files.createSymbolicLink(server.resolve("escape"), outside);
        Files.createSymbolicLink(server.resolve("nested/file-link"), precious);
        Files.createSymbolicLink(server.resolve("dangling"), root.resolve("nowhere"));

        DirectoryRemoval.removeRecursively(server);

        assertFalse(Files.exists(server));
        assertEquals("keep me", Files.readString(precious));
        assertTrue(Files.isDirectory(outside));
    }

    @Test
    void removesOnlyTheLinkWhenTheDirectoryItselfIsALink() throws IOException
    {
        final Path outside = Files.createDirectories(root.resolve("outside"));
        Files.writeString(outside.resolve("precious.txt"), "keep me");
        final Path link = Files.createSymbolicLink(root.resolve("server"), outside);

        DirectoryRemoval.removeRecursively(link);

        assertFalse(Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS));
        assertEquals("keep me", Files.readString(outside.resolve("precious.txt")));
    }

    @Test
    void ignoresAMissingDirectory() throws IOException
    {
        DirectoryRemoval.removeRecursively(root.resolve("missing"));

        assertTrue(Files.isDirectory(root));
    }
}

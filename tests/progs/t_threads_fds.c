// SPDX-License-Identifier: MIT
/*
 * t_threads_fds: threads that make, use and close fds at the same time,
 * so that one fd number stands for different files and peers on
 * different threads within moments of each other.
 *
 *   t_threads_fds files DIR   4 threads each create, write and close 50
 *                             files DIR/f-<n>, writing n bytes to f-<n>
 *                             (n from 1 to 200: each write's size names
 *                             its file); a fifth opens DIR/handed, whose
 *                             fd the main thread then writes 300 bytes to
 *   t_threads_fds server      a threaded TCP server on 127.0.0.1: the main
 *                             thread accepts, a thread per connection
 *                             reads the client's number n, answers
 *                             1000 + n bytes and closes; a forked client
 *                             makes 15 connections, 3 at a time. Prints
 *                             "conn <n> <client port>" per connection.
 *
 * Exits 0 when everything worked.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define FILE_THREADS 4
#define FILES_EACH 50
#define CLIENTS 3
#define CONNS_EACH 5

static const char *dir;
static char bytes[2048];
static struct sockaddr_in server_addr;

/* Thread @arg (0 to 3): files n = arg + 1, arg + 5, ... */
static void *write_files(void *arg)
{
	int k = (int)(long)arg;

	for (int i = 0; i < FILES_EACH; i++) {
		int n = k + 1 + i * FILE_THREADS;
		char path[4096];
		int fd;

		snprintf(path, sizeof(path), "%s/f-%d", dir, n);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd < 0 || write(fd, bytes, (size_t)n) != n || close(fd))
			exit(2);
	}
	return NULL;
}

/* Opens DIR/handed for another thread to write to. */
static void *open_handed(void *arg)
{
	char path[4096];

	(void)arg;
	snprintf(path, sizeof(path), "%s/handed", dir);
	return (void *)(long)open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
}

static int files(void)
{
	pthread_t t[FILE_THREADS], opener;
	void *fd;

	for (long k = 0; k < FILE_THREADS; k++)
		if (pthread_create(&t[k], NULL, write_files, (void *)k))
			return 3;
	for (int k = 0; k < FILE_THREADS; k++)
		pthread_join(t[k], NULL);
	if (pthread_create(&opener, NULL, open_handed, NULL) ||
	    pthread_join(opener, &fd) || (long)fd < 0)
		return 3;
	return write((int)(long)fd, bytes, 300) == 300 ? 0 : 3;
}

/* A connection's worker: reads the client's number, answers. */
static void *serve(void *arg)
{
	int fd = (int)(long)arg, n;
	struct sockaddr_in peer;
	socklen_t len = sizeof(peer);
	char req[32] = "";

	/* Long enough for the main thread to accept the next connection,
	 * maybe as this fd number once it is closed. */
	usleep(2000);
	if (recv(fd, req, sizeof(req) - 1, 0) <= 0)
		exit(4);
	n = atoi(req);
	if (send(fd, bytes, 1000 + (size_t)n, 0) != 1000 + n)
		exit(5);
	if (getpeername(fd, (struct sockaddr *)&peer, &len))
		exit(6);
	printf("conn %d %d\n", n, ntohs(peer.sin_port));
	fflush(stdout);
	usleep(1000);
	close(fd);
	return NULL;
}

/* One client thread: CONNS_EACH connections, one after another. */
static void *client(void *arg)
{
	int k = (int)(long)arg;

	for (int i = 0; i < CONNS_EACH; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0), n = 1 + k +
			 i * CLIENTS;
		char req[32], buf[2048];
		ssize_t got, total = 0;

		if (fd < 0 || connect(fd, (struct sockaddr *)&server_addr,
				      sizeof(server_addr)))
			exit(7);
		snprintf(req, sizeof(req), "%d\n", n);
		if (send(fd, req, strlen(req), 0) < 0)
			exit(8);
		while ((got = recv(fd, buf, sizeof(buf), 0)) > 0)
			total += got;
		if (total != 1000 + n)
			exit(9);
		close(fd);
	}
	return NULL;
}

static int clients(void)
{
	pthread_t t[CLIENTS];

	for (long k = 0; k < CLIENTS; k++)
		if (pthread_create(&t[k], NULL, client, (void *)k))
			return 10;
	for (int k = 0; k < CLIENTS; k++)
		pthread_join(t[k], NULL);
	return 0;
}

static int server(void)
{
	socklen_t len = sizeof(server_addr);
	int lfd = socket(AF_INET, SOCK_STREAM, 0), status;
	pthread_t workers[CLIENTS * CONNS_EACH];
	pid_t child;

	server_addr.sin_family = AF_INET;
	server_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&server_addr, len) ||
	    getsockname(lfd, (struct sockaddr *)&server_addr, &len) ||
	    listen(lfd, 16))
		return 11;
	child = fork();
	if (child == 0)
		_exit(clients());
	for (int i = 0; i < CLIENTS * CONNS_EACH; i++) {
		struct sockaddr_in peer;
		socklen_t peer_len = sizeof(peer);
		int fd = accept(lfd, (struct sockaddr *)&peer, &peer_len);

		if (fd < 0 || pthread_create(&workers[i], NULL, serve,
					     (void *)(long)fd))
			return 12;
	}
	for (int i = 0; i < CLIENTS * CONNS_EACH; i++)
		pthread_join(workers[i], NULL);
	if (waitpid(child, &status, 0) != child || status)
		return 13;
	return 0;
}

int main(int argc, char **argv)
{
	memset(bytes, 'x', sizeof(bytes));
	if (argc == 3 && !strcmp(argv[1], "files")) {
		dir = argv[2];
		return files();
	}
	if (argc == 2 && !strcmp(argv[1], "server"))
		return server();
	fprintf(stderr, "usage: t_threads_fds files DIR | server\n");
	return 1;
}

/*
 * A reference for the open-model precision benchmark, not a load tester: the least an open-model
 * generator can do on this machine. One thread, epoll, a pool of keep-alive connections to 127.0.0.1,
 * a GET sent at each request's due time (timerfd, to the microsecond), latency measured from the due
 * time and the service time from the send. No parsing beyond the response's end, no histogram (exact
 * percentiles of every response after the warm-up), no runtime. What fanout's engine shows above it on
 * the same core is what the runtime and the engine add; what this shows is the machine's own floor.
 *
 * usage: open-loop PORT RATE SECONDS WARM_UP_SECONDS MAX_CONNECTIONS
 * prints one JSON line: {"scheduled":…,"responses":…,"measured":…,"p50Ms":…,"p99Ms":…,"serviceP99Ms":…,"late":…}
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define RESPONSE_BUFFER 8192
#define TIMER_TAG 0xffffffffu

typedef struct {
  int fd;
  double intended;
  double sent;
  size_t have;
  char buffer[RESPONSE_BUFFER];
} connection_t;

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static void fail(const char *what) {
  fprintf(stderr, "open-loop: %s: %s\n", what, strerror(errno));
  exit(1);
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Bytes of a whole response at the start of the buffer (headers + Content-Length), 0 while incomplete. */
static size_t response_length(const connection_t *c) {
  const char *end = memmem(c->buffer, c->have, "\r\n\r\n", 4);
  if (!end) return 0;
  size_t head = (size_t)(end - c->buffer) + 4;
  size_t body = 0;
  const char *field = memmem(c->buffer, head, "Content-Length:", 15);
  if (!field) field = memmem(c->buffer, head, "content-length:", 15);
  if (field) body = strtoul(field + 15, NULL, 10);
  return c->have >= head + body ? head + body : 0;
}

int main(int argc, char **argv) {
  if (argc != 6) {
    fprintf(stderr, "usage: open-loop PORT RATE SECONDS WARM_UP_SECONDS MAX_CONNECTIONS\n");
    return 2;
  }
  int port = atoi(argv[1]);
  double rate = atof(argv[2]), seconds = atof(argv[3]), warm_up_ms = atof(argv[4]) * 1000;
  int max_connections = atoi(argv[5]);
  if (port <= 0 || rate <= 0 || seconds <= 0 || max_connections <= 0) {
    fprintf(stderr, "open-loop: bad arguments\n");
    return 2;
  }

  struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
  char request[128];
  int request_length = snprintf(request, sizeof request, "GET / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n", port);

  long capacity = (long)(rate * seconds) + 16;
  double *latency = malloc(capacity * sizeof(double));
  double *service = malloc(capacity * sizeof(double));
  double *backlog = malloc(capacity * sizeof(double));
  connection_t *connections = calloc((size_t)max_connections, sizeof(connection_t));
  int *free_list = malloc((size_t)max_connections * sizeof(int));
  if (!latency || !service || !backlog || !connections || !free_list) fail("malloc");
  long backlog_head = 0, backlog_tail = 0, measured = 0, late = 0, scheduled = 0, responses = 0;
  int open_connections = 0, free_count = 0;

  int poller = epoll_create1(0);
  int timer = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
  if (poller < 0 || timer < 0) fail("epoll/timerfd");
  struct epoll_event timer_event = {.events = EPOLLIN, .data.u32 = TIMER_TAG};
  epoll_ctl(poller, EPOLL_CTL_ADD, timer, &timer_event);

  double interval = 1000.0 / rate;
  double start = now_ms() + 20, end = start + seconds * 1000;
  long next = 0;
  struct epoll_event events[256];
  char scratch[RESPONSE_BUFFER];

  for (;;) {
    double now = now_ms();
    double due = start + next * interval;
    while (due <= now && due < end) {
      next++;
      scheduled++;
      int slot = -1;
      if (free_count > 0) {
        slot = free_list[--free_count];
      } else if (open_connections < max_connections) {
        slot = open_connections++;
        int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
        if (fd < 0) fail("socket");
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (connect(fd, (struct sockaddr *)&address, sizeof address) < 0) fail("connect");
        fcntl(fd, F_SETFL, O_NONBLOCK);
        connections[slot].fd = fd;
        struct epoll_event event = {.events = EPOLLIN, .data.u32 = (uint32_t)slot};
        epoll_ctl(poller, EPOLL_CTL_ADD, fd, &event);
      }
      if (slot < 0) {
        backlog[backlog_tail++] = due;
      } else {
        if (now - due > 10) late++;
        connections[slot].intended = due;
        connections[slot].sent = now;
        if (write(connections[slot].fd, request, request_length) != request_length) fail("write");
      }
      due = start + next * interval;
    }
    if (due >= end && (now > end + 2000 || (free_count == open_connections && backlog_head == backlog_tail))) break;

    struct itimerspec wake = {0};
    double wait = (due < end ? due : end + 2000) - now_ms();
    if (wait < 0.001) wait = 0.001;
    wake.it_value.tv_sec = (time_t)(wait / 1000);
    wake.it_value.tv_nsec = (long)((wait - wake.it_value.tv_sec * 1000.0) * 1e6);
    timerfd_settime(timer, 0, &wake, NULL);

    int ready = epoll_wait(poller, events, 256, -1);
    if (ready < 0 && errno != EINTR) fail("epoll_wait");
    for (int index = 0; index < ready; index++) {
      uint32_t slot = events[index].data.u32;
      if (slot == TIMER_TAG) {
        unsigned long long expirations;
        if (read(timer, &expirations, sizeof expirations) < 0 && errno != EAGAIN) fail("timerfd read");
        continue;
      }
      connection_t *c = &connections[slot];
      ssize_t got = read(c->fd, c->have < RESPONSE_BUFFER ? c->buffer + c->have : scratch, c->have < RESPONSE_BUFFER ? RESPONSE_BUFFER - c->have : sizeof scratch);
      if (got < 0 && errno == EAGAIN) continue;
      if (got <= 0) fail("connection closed by the target");
      c->have += (size_t)got;
      size_t length = response_length(c);
      if (length == 0) continue;
      memmove(c->buffer, c->buffer + length, c->have - length);
      c->have -= length;
      double done = now_ms();
      responses++;
      if (c->intended - start >= warm_up_ms) {
        latency[measured] = done - c->intended;
        service[measured] = done - c->sent;
        measured++;
      }
      if (backlog_head < backlog_tail) {
        double intended = backlog[backlog_head++];
        if (done - intended > 10) late++;
        c->intended = intended;
        c->sent = done;
        if (write(c->fd, request, request_length) != request_length) fail("write");
      } else {
        free_list[free_count++] = (int)slot;
      }
    }
  }

  if (measured == 0) {
    fprintf(stderr, "open-loop: no responses measured\n");
    return 1;
  }
  qsort(latency, (size_t)measured, sizeof(double), by_value);
  qsort(service, (size_t)measured, sizeof(double), by_value);
  printf("{\"scheduled\":%ld,\"responses\":%ld,\"measured\":%ld,\"late\":%ld,\"p50Ms\":%.4f,\"p99Ms\":%.4f,\"serviceP99Ms\":%.4f}\n", scheduled, responses, measured, late,
         latency[(long)(measured * 0.50)], latency[(long)(measured * 0.99)], service[(long)(measured * 0.99)]);
  return 0;
}

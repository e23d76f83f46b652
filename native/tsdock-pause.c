/*
 * tsdock-pause: the process of a kube pod's infrastructure container (what Kubernetes' pause is).
 * It holds the pod's network, IPC and UTS namespaces while the pod's containers come and go, reaps
 * what is re-parented to it, and exits at once on SIGTERM or SIGINT. Linked statically: it is the
 * only file of its image.
 */
#include <signal.h>
#include <stddef.h>
#include <sys/wait.h>
#include <unistd.h>

static void stop(int sig) {
  (void)sig;
  _exit(0);
}

static void reap(int sig) {
  (void)sig;
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
}

int main(void) {
  struct sigaction sa = {0};
  sa.sa_handler = stop;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sa.sa_handler = reap;
  sa.sa_flags = SA_NOCLDSTOP | SA_RESTART;
  sigaction(SIGCHLD, &sa, NULL);
  for (;;) pause();
}

# Engagement-report statistics on bfi: top-2-box shares, engagement index (POMP, % engaged), and
# wave comparisons (Welch t.test, Cohen's d with the pooled SD).
# Run from this folder: Rscript report_engagement.R  ->  report_engagement.json
suppressPackageStartupMessages(library(jsonlite))
bfi <- read.csv("data/bfi.csv")
rev_items <- c("A1", "C4", "C5", "E1", "E2", "O2", "O5")
for (it in rev_items) bfi[[it]] <- 7 - bfi[[it]]
items <- paste0(rep(c("A", "C", "E", "N", "O"), each = 5), 1:5)
# top-2-box on a 1-6 scale: codes 5 and 6 among answered
fav <- sapply(items, function(i) { x <- bfi[[i]]; 100 * mean(x[!is.na(x)] >= 5) })
unfav <- sapply(items, function(i) { x <- bfi[[i]]; 100 * mean(x[!is.na(x)] <= 2) })
nans <- sapply(items, function(i) sum(!is.na(bfi[[i]])))
scale_fav <- sapply(c("A", "C", "E", "N", "O"), function(s) {
  x <- unlist(bfi[, paste0(s, 1:5)]); 100 * mean(x[!is.na(x)] >= 5) })
E <- rowMeans(bfi[, paste0("E", 1:5)], na.rm = TRUE)
E[is.nan(E)] <- NA
Ev <- E[!is.na(E)]
cut <- 1 + (6 - 1) * 2 / 3
index <- list(index = mean(100 * (Ev - 1) / 5), n = length(Ev), sd = sd(100 * (Ev - 1) / 5),
              pct_engaged = 100 * mean(Ev >= cut - 1e-12), cut = cut)
# waves: gender 1 = "previous", gender 2 = "current", overall and by education
welch <- function(cur, prev) {
  cur <- cur[!is.na(cur)]; prev <- prev[!is.na(prev)]
  tt <- t.test(cur, prev, var.equal = FALSE, conf.level = 0.95)
  n1 <- length(cur); n2 <- length(prev)
  sp <- sqrt(((n1 - 1) * var(cur) + (n2 - 1) * var(prev)) / (n1 + n2 - 2))
  list(n_current = n1, n_previous = n2, mean_current = mean(cur), mean_previous = mean(prev),
       diff = mean(cur) - mean(prev), se = as.numeric(tt$stderr), t = as.numeric(tt$statistic),
       df = as.numeric(tt$parameter), pvalue = tt$p.value, ci_lower = tt$conf.int[1],
       ci_upper = tt$conf.int[2], d = (mean(cur) - mean(prev)) / sp)
}
A <- rowMeans(bfi[, paste0("A", 1:5)], na.rm = TRUE); A[is.nan(A)] <- NA
waves <- list(E = welch(E[bfi$gender == 2], E[bfi$gender == 1]),
              A = welch(A[bfi$gender == 2], A[bfi$gender == 1]))
by_edu <- list()
for (lev in sort(unique(na.omit(bfi$education)))) {
  s <- !is.na(bfi$education) & bfi$education == lev
  by_edu[[as.character(lev)]] <- welch(E[s & bfi$gender == 2], E[s & bfi$gender == 1])
}
out <- list(items = items, favourable = as.list(fav), unfavourable = as.list(unfav),
            n_answered = as.list(nans), scale_favourable = as.list(scale_fav),
            engagement = index, waves = waves, waves_by_education = by_edu)
write_json(out, "report_engagement.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)

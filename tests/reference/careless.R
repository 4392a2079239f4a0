# Reference values for engagesurvey.careless, computed in base R (+ psych::outlier).
# R's `careless` package is not installable here, so its definitions are transcribed below in plain R
# (rle, sd, stats::cor, stats::mahalanobis), following careless 1.2.x's sources. Run from this folder:
#   Rscript careless.R   -> careless.json
suppressPackageStartupMessages(library(psych))
bfi <- read.csv("data/bfi.csv")
items <- c(paste0("A", 1:5), paste0("C", 1:5), paste0("E", 1:5), paste0("N", 1:5), paste0("O", 1:5))
x <- as.matrix(bfi[, items])
storage.mode(x) <- "double"

# careless::longstring(x, avg = TRUE): rle per row (each NA is its own run of length 1)
rle_string <- function(r) { l <- rle(r)$lengths; c(max(l), mean(l)) }
ls <- t(apply(x, 1, rle_string))

# careless::irv, but over answered items (na.rm = TRUE); split as careless: cut(seq_along(x), k)
irv_total <- apply(x, 1, sd, na.rm = TRUE)
bins <- cut(seq_len(ncol(x)), 3, labels = FALSE)
irv_split <- sapply(1:3, function(k) apply(x[, bins == k, drop = FALSE], 1, sd, na.rm = TRUE))
bins7 <- cut(seq_len(ncol(x)), 7, labels = FALSE)

# Mahalanobis: listwise (stats::mahalanobis on complete rows) and pairwise (psych::outlier = careless::mahad)
cc <- complete.cases(x)
xc <- x[cc, ]
d2_list <- rep(NA_real_, nrow(x))
d2_list[cc] <- stats::mahalanobis(xc, colMeans(xc), cov(xc))
d2_pair <- as.numeric(psych::outlier(x, plot = FALSE))
p_list <- pchisq(d2_list, df = ncol(x), lower.tail = FALSE)

# careless::evenodd transcribed (without the sign flip of careless >= 1.2.0), plus NA when fewer than
# 3 scales have both halves. bfi keys: reverse A1 C4 C5 E1 E2 O2 O5 first (min + max - x = 7 - x).
rev_items <- c("A1", "C4", "C5", "E1", "E2", "O2", "O5")
xr <- x
xr[, rev_items] <- 7 - xr[, rev_items]
factors <- rep(5, 5)
eo <- function(xx, factors, min_scales = 3) {
  apply(xx, 1, function(row) {
    f <- matrix(NA_real_, length(factors), 2)
    start <- 1
    for (j in seq_along(factors)) {
      if (j > 1) start <- start + factors[j - 1]
      end <- factors[j] - 1 + start
      s <- row[start:end]
      ind <- seq_along(s)
      f[j, 1] <- mean(s[ind %% 2 == 0], na.rm = TRUE)
      f[j, 2] <- mean(s[ind %% 2 == 1], na.rm = TRUE)
    }
    ok <- complete.cases(f)
    if (sum(ok) < min_scales) return(c(NA_real_, NA_real_))
    r <- suppressWarnings(cor(f[, 1], f[, 2], use = "pairwise.complete.obs"))
    sb <- (2 * r) / (1 + r)
    if (!is.na(sb) && sb < -1) sb <- -1
    c(r, sb)
  })
}
eo_vals <- t(eo(xr, factors))

# careless::psychsyn(resample_na = FALSE) and psychant transcribed
get_item_pairs <- function(x, critval, anto) {
  correlations <- cor(x, use = "pairwise.complete.obs")
  correlations[upper.tri(correlations, diag = TRUE)] <- NA
  correlations <- as.data.frame(as.table(correlations))
  if (!anto) correlations[which(correlations$Freq > critval), 1:2]
  else correlations[which(correlations$Freq < -critval), 1:2]
}
syn <- function(x, critval, anto = FALSE) {
  pairs <- get_item_pairs(x, critval, anto)
  apply(x, 1, function(r) {
    a <- as.numeric(r[as.character(pairs[, 1])]); b <- as.numeric(r[as.character(pairs[, 2])])
    if (sum(!(is.na(a) | is.na(b))) > 2) suppressWarnings(cor(a, b, use = "pairwise.complete.obs")) else NA
  })
}
pairs45 <- get_item_pairs(x, 0.45, FALSE)
psyn <- syn(x, 0.45)
pant <- syn(x, 0.30, anto = TRUE)
pairs_ant <- get_item_pairs(x, 0.30, TRUE)

na_to_null <- function(v) { v <- as.numeric(v); as.list(ifelse(is.na(v), NA, v)) }
out <- list(
  items = items, reverse = rev_items, n = nrow(x),
  longstr = ls[, 1], avgstr = ls[, 2],
  irv = irv_total, irv1 = irv_split[, 1], irv2 = irv_split[, 2], irv3 = irv_split[, 3],
  bins7 = bins7,
  mahalanobis_listwise = d2_list, mahalanobis_listwise_p = p_list, mahalanobis_pairwise = d2_pair,
  even_odd_raw = eo_vals[, 1], even_odd_sb = eo_vals[, 2],
  psychsyn_pairs = list(first = as.character(pairs45[, 1]), second = as.character(pairs45[, 2])),
  psychsyn_45 = psyn,
  psychant_pairs = list(first = as.character(pairs_ant[, 1]), second = as.character(pairs_ant[, 2])),
  psychant_30 = pant
)
jsonlite::write_json(out, "careless.json", digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null")

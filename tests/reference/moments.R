# Reference values for engagesurvey.moments: listwise and pairwise moments of psych's bfi items,
# overall and by gender. Run from this folder: Rscript moments.R  -> moments.json
bfi <- read.csv("data/bfi.csv")
items <- c(paste0("A", 1:5), paste0("C", 1:5), paste0("E", 1:5), paste0("N", 1:5), paste0("O", 1:5))
x <- as.matrix(bfi[, items])
storage.mode(x) <- "double"
mom <- function(x) {
  cc <- complete.cases(x)
  obs <- !is.na(x)
  list(
    n = sum(cc),
    means = unname(colMeans(x[cc, , drop = FALSE])),
    cov = unname(cov(x, use = "complete.obs")),
    corr = unname(cor(x, use = "complete.obs")),
    pairwise_n = unname(crossprod(obs)),
    pairwise_means = unname(colMeans(x, na.rm = TRUE)),
    pairwise_cov = unname(cov(x, use = "pairwise.complete.obs")),
    pairwise_corr = unname(cor(x, use = "pairwise.complete.obs"))
  )
}
out <- list(items = items, all = mom(x),
            groups = lapply(split(seq_len(nrow(x)), bfi$gender), function(i) mom(x[i, ])))
jsonlite::write_json(out, "moments.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)

//! Statements prepared once per connection: a statement sent as text is parsed by the server
//! at each call, one more round trip before it runs. The journal's few statements are reused
//! thousands of times, so each connection keeps them prepared (deadpool's cache).

use deadpool_postgres::{ClientWrapper, Transaction};
use tokio_postgres::types::ToSql;
use tokio_postgres::{Error, Row, Statement};

/// The query methods of `tokio-postgres`, with the statement prepared once per connection.
pub(crate) trait CachedStatements {
    /// `query_one`, prepared once.
    async fn query_one_cached(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Row, Error>;

    /// `query_opt`, prepared once.
    async fn query_opt_cached(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Option<Row>, Error>;

    /// `query`, prepared once.
    async fn query_cached(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, Error>;

    /// `execute`, prepared once.
    async fn execute_cached(&self, sql: &str, params: &[&(dyn ToSql + Sync)])
    -> Result<u64, Error>;
}

/// Both deadpool's transaction and client have `prepare_cached` and the query methods.
macro_rules! cached_statements {
    ($type:ty) => {
        impl CachedStatements for $type {
            async fn query_one_cached(
                &self,
                sql: &str,
                params: &[&(dyn ToSql + Sync)],
            ) -> Result<Row, Error> {
                let statement = self.prepare_cached(sql).await?;
                self.query_one(&statement, params).await
            }

            async fn query_opt_cached(
                &self,
                sql: &str,
                params: &[&(dyn ToSql + Sync)],
            ) -> Result<Option<Row>, Error> {
                let statement = self.prepare_cached(sql).await?;
                self.query_opt(&statement, params).await
            }

            async fn query_cached(
                &self,
                sql: &str,
                params: &[&(dyn ToSql + Sync)],
            ) -> Result<Vec<Row>, Error> {
                let statement = self.prepare_cached(sql).await?;
                self.query(&statement, params).await
            }

            async fn execute_cached(
                &self,
                sql: &str,
                params: &[&(dyn ToSql + Sync)],
            ) -> Result<u64, Error> {
                let statement = self.prepare_cached(sql).await?;
                self.execute(&statement, params).await
            }
        }
    };
}

cached_statements!(Transaction<'_>);
cached_statements!(ClientWrapper);

/// Each of `sql` prepared on `tx`'s connection (once per connection), in order; those not
/// prepared yet in one round trip. Statements whose futures are then polled together go out
/// in one round trip, in the order polled, and the server runs them in that order; one still
/// to be prepared would go out after the others.
pub(crate) async fn prepared<const N: usize>(
    tx: &Transaction<'_>,
    sql: [&str; N],
) -> Result<[Statement; N], Error> {
    let statements =
        futures_util::future::try_join_all(sql.map(|text| tx.prepare_cached(text))).await?;
    Ok(statements
        .try_into()
        .unwrap_or_else(|_: Vec<Statement>| unreachable!("one statement for each text")))
}

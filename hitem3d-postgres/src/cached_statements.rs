//! Statements prepared once per connection: a statement sent as text is parsed by the server
//! at each call, one more round trip before it runs. The journal's few statements are reused
//! thousands of times, so each connection keeps them prepared (deadpool's cache).

use deadpool_postgres::{ClientWrapper, Transaction};
use tokio_postgres::types::ToSql;
use tokio_postgres::{Error, Row};

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
